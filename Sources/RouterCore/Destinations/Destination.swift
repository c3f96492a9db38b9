/// Sends routed events to one configured endpoint.
///
/// Rules every implementation keeps:
/// - `deliver` returns exactly one outcome per input event, in input order, and never throws:
///   it classifies every failure as `.retry` or `.rejected` so the core never guesses.
/// - It starts no tasks, threads or event loops of its own; it uses what `DestinationContext` gives.
/// - It is immutable once built: a config reload builds a new value and swaps it in.
/// - It may be called again with the same event (after a crash or a retry), so it sends the
///   event's stable id for the receiver to deduplicate on.
public protocol Destination: Sendable {
    /// The largest batch it wants.
    var batchLimits: BatchLimits { get }
    /// When to try again after a transient failure, and when to give up.
    var retryPolicy: any RetryPolicy { get }
    /// Delivers a batch and says, per event, what happened.
    func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome]
}

extension Destination {
    /// The standard exponential backoff: 0.5 s doubling to 5 min, with jitter, for 12 hours.
    public var retryPolicy: any RetryPolicy { ExponentialJitterRetryPolicy.standard }
}
