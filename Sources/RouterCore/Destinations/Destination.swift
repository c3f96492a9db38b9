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
    /// What `deliver` would send for this batch at `now`, without sending it or touching
    /// anything; secrets masked (see `DeliveryPreview`).
    func preview(_ batch: [RoutedEvent], now: Timestamp) -> DeliveryPreview
    /// The local file this destination appends to, as it opens it (absolute, or relative to
    /// the folder `serve` runs in); nil when it writes none. Two destinations, of any tenants,
    /// may not write one file: the loader refuses such a config and names both.
    var writesFile: String? { get }
    /// The host it sends to and how many requests it may have in flight there at once, so the
    /// server sizes its connection pool to fit every destination; nil for none (a file).
    var connectionDemand: ConnectionDemand? { get }
    /// What delivers this destination's batches together with other partitions' in one step;
    /// nil when it delivers alone.
    var combiner: (any DeliveryCombiner)? { get }
}

/// How many HTTP requests a destination may have in flight to one host at once.
public struct ConnectionDemand: Sendable, Hashable {
    /// The host and port, e.g. `api.segment.io:443`.
    public var host: String
    /// Requests in flight at most.
    public var connections: Int

    public init(host: String, connections: Int) {
        self.host = host
        self.connections = connections
    }
}

extension Destination {
    /// The standard exponential backoff: 0.5 s doubling to 5 min, with jitter, for 12 hours.
    public var retryPolicy: any RetryPolicy { ExponentialJitterRetryPolicy.standard }

    /// Most destinations write no local file.
    public var writesFile: String? { nil }

    /// No HTTP requests by default.
    public var connectionDemand: ConnectionDemand? { nil }
    /// Most destinations deliver alone.
    public var combiner: (any DeliveryCombiner)? { nil }

    /// A module that cannot preview says so for every event.
    public func preview(_ batch: [RoutedEvent], now: Timestamp) -> DeliveryPreview {
        let reason = FailureReason(code: "preview_unsupported", message: "this destination type cannot show what it would send")
        return DeliveryPreview(unsent: batch.map { .init(eventID: $0.event.id, reason: reason) })
    }
}
