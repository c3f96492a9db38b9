/// Where a partition's delivery stands, as persisted: the head's failure bookkeeping.
///
/// Which events wait at the head is the store's business (`EventStore.head(of:limit:maxBytes:)`);
/// a commit takes events off it with `DeliveryCommit.taken`.
public struct PartitionState: Sendable, Equatable {
    /// Consecutive failed attempts at the head batch (the whole destination failing).
    public var headFailures: Int
    /// When the head batch first failed; nil while healthy.
    public var failingSince: Timestamp?
    /// When the failing head batch is tried next; nil while healthy.
    public var pausedUntil: Timestamp?

    /// Creates a state.
    public init(headFailures: Int = 0, failingSince: Timestamp? = nil, pausedUntil: Timestamp? = nil) {
        self.headFailures = headFailures
        self.failingSince = failingSince
        self.pausedUntil = pausedUntil
    }
}
