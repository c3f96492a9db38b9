/// The durable queue behind the router: accepted events, per-destination cursors, retries and
/// dead letters.
///
/// Rules implementations keep:
/// - `append` returns only after the events are durable (fsync'd or committed with equivalent
///   durability). One call is atomic: all of its events are stored or none.
/// - An event id already stored for the tenant is not stored or routed again; `append` reports it
///   as a duplicate.
/// - Sequences increase in acceptance order, so reading after a cursor yields events in order.
/// - `commit` applies a whole `DeliveryCommit` atomically.
public protocol EventStore: Sendable {
    /// Stores events for one tenant with, per event, the destination ids it is routed to.
    ///
    /// - Returns: per event, true when it was new, false when its id was already stored.
    func append(_ events: [RetentionEvent], routes: [[String]]) async throws -> [Bool]

    /// The persisted state of a partition (a fresh state for one never seen).
    func state(of partition: PartitionKey) async throws -> PartitionState

    /// Events routed to `partition` with a sequence after `cursor`, oldest first.
    func events(in partition: PartitionKey, after cursor: Int64, limit: Int) async throws -> [StoredEvent]

    /// Retries of `partition` that are due at `now`, oldest first.
    func dueRetries(in partition: PartitionKey, now: Timestamp, limit: Int) async throws -> [StoredEvent]

    /// When the earliest scheduled retry of `partition` is due; nil when none is scheduled.
    func nextRetry(in partition: PartitionKey) async throws -> Timestamp?

    /// Applies the result of one delivery attempt.
    func commit(_ commit: DeliveryCommit) async throws

    /// Dead letters of a tenant, newest first.
    func deadLetters(tenant: String, destination: String?, limit: Int) async throws -> [DeadLetterRecord]
}
