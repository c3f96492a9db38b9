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
        let split = self.transformed(batch)
        var outcomes = [DeliveryOutcome?](repeating: nil, count: batch.count)
        for (index, reason) in split.refused { outcomes[index] = .rejected(reason: reason) }
        if !split.forwarded.isEmpty {
            let delivered = await self.inner.deliver(split.forwarded.map(\.routed))
            for (item, outcome) in zip(split.forwarded, delivered) { outcomes[item.index] = outcome }
        }
        let missing = FailureReason(code: "destination_error", message: "the destination gave no outcome for the event")
        return outcomes.map { $0 ?? .retry(after: nil, reason: missing) }
    }

    public func preview(_ batch: [RoutedEvent], now: Timestamp) -> DeliveryPreview {
        let split = self.transformed(batch)
        var preview = split.forwarded.isEmpty ? DeliveryPreview() : self.inner.preview(split.forwarded.map(\.routed), now: now)
        preview.unsent = split.refused.map { .init(eventID: batch[$0.index].event.id, reason: $0.reason) } + preview.unsent
        return preview
    }

    /// The batch after the transform: what goes on to the module (with each event's position in
    /// `batch`), and why the others do not.
    private func transformed(_ batch: [RoutedEvent]) -> (forwarded: [(index: Int, routed: RoutedEvent)], refused: [(index: Int, reason: FailureReason)]) {
        var forwarded: [(index: Int, routed: RoutedEvent)] = []
        var refused: [(index: Int, reason: FailureReason)] = []
        forwarded.reserveCapacity(batch.count)
        for (index, routed) in batch.enumerated() {
            let outcome = self.transform.apply(to: routed.event)
            if case .send(let event) = outcome {
                forwarded.append((index, RoutedEvent(event: event, sequence: routed.sequence, attempt: routed.attempt)))
            } else if let reason = outcome.failureReason {
                refused.append((index, reason))
            }
        }
        return (forwarded, refused)
    }
}
