/// One delivery attempt of one event to one destination, as kept in the delivery record.
public struct AttemptRecord: Sendable, Equatable {
    /// What the attempt came to.
    public enum Outcome: String, Sendable, Equatable {
        case delivered
        case retry
        case rejected
    }

    /// The event's position in the store.
    public var sequence: Int64
    /// 1 for the first attempt.
    public var attempt: Int
    /// When the attempt finished.
    public var at: Timestamp
    /// The outcome.
    public var outcome: Outcome
    /// The failure, for `retry` and `rejected`.
    public var reason: FailureReason?
    /// How long the destination took for the batch this attempt was in, in milliseconds.
    public var latencyMilliseconds: Int64

    /// Creates a record.
    public init(sequence: Int64, attempt: Int, at: Timestamp, outcome: Outcome, reason: FailureReason?, latencyMilliseconds: Int64) {
        self.sequence = sequence
        self.attempt = attempt
        self.at = at
        self.outcome = outcome
        self.reason = reason
        self.latencyMilliseconds = latencyMilliseconds
    }
}
