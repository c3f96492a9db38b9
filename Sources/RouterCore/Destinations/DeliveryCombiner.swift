/// Delivers the batches of many partitions in one step: for destinations whose deliveries share
/// their costly part (the file destinations share a sync pass), so that a round for many quiet
/// partitions costs that step once (`CombinedRounds`).
///
/// The rules of `Destination.deliver` hold for each delivery: one outcome per event, in order,
/// never a throw.
public protocol DeliveryCombiner: AnyObject, Sendable {
    /// Delivers each batch to its destination; one list of outcomes per delivery, in order.
    /// Every destination is one whose `combiner` is this one.
    func deliver(_ deliveries: [CombinedDelivery]) async -> [[DeliveryOutcome]]
}

/// One partition's batch in a combined delivery.
public struct CombinedDelivery: Sendable {
    public var destination: any Destination
    public var batch: [RoutedEvent]

    /// Creates a delivery of `batch` to `destination`.
    public init(destination: any Destination, batch: [RoutedEvent]) {
        self.destination = destination
        self.batch = batch
    }
}
