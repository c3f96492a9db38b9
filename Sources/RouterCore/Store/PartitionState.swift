/// Where a partition's delivery stands, as persisted.
public struct PartitionState: Sendable, Equatable {
    /// The sequence of the last event taken off the head of the queue (0 before any).
    public var cursor: Int64
    /// Consecutive failed attempts at the head batch (the whole destination failing).
    public var headFailures: Int
    /// When the head batch first failed; nil while healthy.
    public var failingSince: Timestamp?
    /// When the failing head batch is tried next; nil while healthy.
    public var pausedUntil: Timestamp?

    /// Creates a state.
    public init(cursor: Int64 = 0, headFailures: Int = 0, failingSince: Timestamp? = nil, pausedUntil: Timestamp? = nil) {
        self.cursor = cursor
        self.headFailures = headFailures
        self.failingSince = failingSince
        self.pausedUntil = pausedUntil
    }
}
