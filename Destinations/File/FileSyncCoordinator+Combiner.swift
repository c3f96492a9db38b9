import RouterCore

/// The file destinations sharing a coordinator deliver together: the batches of many partitions
/// join one pass with one wait (`appendAll`), not one each.
extension FileSyncCoordinator: DeliveryCombiner {
    public func deliver(_ deliveries: [CombinedDelivery]) async -> [[DeliveryOutcome]] {
        var appends: [FileAppend] = []
        var appended: [Int] = []
        var outcomes = [[DeliveryOutcome]?](repeating: nil, count: deliveries.count)
        for (index, delivery) in deliveries.enumerated() {
            guard let file = delivery.destination as? FileDestination, file.coordinator === self else {
                // Not one of this coordinator's (a caller's mistake): delivered on its own.
                outcomes[index] = await delivery.destination.deliver(delivery.batch)
                continue
            }
            appends.append(file.append(delivery.batch))
            appended.append(index)
        }
        for (index, outcome) in zip(appended, await self.appendAll(appends)) {
            outcomes[index] = FileDestination.outcomes(of: outcome, count: deliveries[index].batch.count)
        }
        return outcomes.map { $0 ?? [] }
    }
}
