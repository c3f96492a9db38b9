/// A destination behind its tenant-configured `transform`: each event is transformed, then the
/// module delivers the result.
///
/// Events a `where` step excludes at delivery time (the transform changed after they were routed
/// here, or a replay) become dead letters with reason `excluded_by_transform`, so nothing is
/// dropped silently and a later config change can replay them; properties that cannot be read
/// become `unreadable_event` dead letters rather than being sent emptier than they came.
public struct TransformingDestination: Destination {
    /// The module's destination.
    public let inner: any Destination
    /// The steps applied first.
    public let transform: DestinationTransform

    /// Wraps `inner` behind `transform`.
    public init(_ inner: any Destination, transform: DestinationTransform) {
        self.inner = inner
        self.transform = transform
    }

    public var batchLimits: BatchLimits { self.inner.batchLimits }
    public var retryPolicy: any RetryPolicy { self.inner.retryPolicy }
    public var connectionDemand: ConnectionDemand? { self.inner.connectionDemand }
    public var writesFile: String? { self.inner.writesFile }

    public func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
        var outcomes = [DeliveryOutcome?](repeating: nil, count: batch.count)
        var forwarded: [RoutedEvent] = []
        var positions: [Int] = []
        forwarded.reserveCapacity(batch.count)
        for (index, routed) in batch.enumerated() {
            switch self.transform.apply(to: routed.event) {
            case .send(let event):
                forwarded.append(RoutedEvent(event: event, sequence: routed.sequence, attempt: routed.attempt))
                positions.append(index)
            case let other:
                outcomes[index] = other.failureReason.map { .rejected(reason: $0) }
            }
        }
        if !forwarded.isEmpty {
            let delivered = await self.inner.deliver(forwarded)
            for (position, outcome) in zip(positions, delivered) { outcomes[position] = outcome }
        }
        let missing = FailureReason(code: "destination_error", message: "the destination gave no outcome for the event")
        return outcomes.map { $0 ?? .retry(after: nil, reason: missing) }
    }

    public func preview(_ batch: [RoutedEvent], now: Timestamp) -> DeliveryPreview {
        var unsent: [DeliveryPreview.Unsent] = []
        var forwarded: [RoutedEvent] = []
        for routed in batch {
            switch self.transform.apply(to: routed.event) {
            case .send(let event):
                forwarded.append(RoutedEvent(event: event, sequence: routed.sequence, attempt: routed.attempt))
            case let other:
                if let reason = other.failureReason { unsent.append(.init(eventID: routed.event.id, reason: reason)) }
            }
        }
        var preview = forwarded.isEmpty ? DeliveryPreview() : self.inner.preview(forwarded, now: now)
        preview.unsent = unsent + preview.unsent
        return preview
    }
}
