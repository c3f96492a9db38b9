/// Everything one finished delivery attempt changes in the store, written in one transaction.
public struct DeliveryCommit: Sendable, Equatable {
    /// A retry to schedule or reschedule.
    public struct Retry: Sendable, Equatable {
        public var sequence: Int64
        public var failures: Int
        public var nextAttempt: Timestamp
        public var firstFailure: Timestamp
        public var reason: FailureReason

        public init(sequence: Int64, failures: Int, nextAttempt: Timestamp, firstFailure: Timestamp, reason: FailureReason) {
            self.sequence = sequence
            self.failures = failures
            self.nextAttempt = nextAttempt
            self.firstFailure = firstFailure
            self.reason = reason
        }
    }

    /// An event to park as a dead letter.
    public struct DeadLetter: Sendable, Equatable {
        public var sequence: Int64
        public var eventID: String
        public var attempts: Int
        public var reason: FailureReason
        public var failedAt: Timestamp

        public init(sequence: Int64, eventID: String, attempts: Int, reason: FailureReason, failedAt: Timestamp) {
            self.sequence = sequence
            self.eventID = eventID
            self.attempts = attempts
            self.reason = reason
            self.failedAt = failedAt
        }
    }

    /// The partition this commit belongs to.
    public var partition: PartitionKey
    /// The new partition state (head-failure bookkeeping).
    public var state: PartitionState
    /// Head events this commit takes off the queue (delivered, dead or moved to the retry set).
    public var taken: [Int64]
    /// Retried events that are done (delivered or dead-lettered): their retry rows go.
    public var finishedRetries: [Int64]
    /// Retries to insert or update.
    public var retries: [Retry]
    /// Dead letters to add.
    public var deadLetters: [DeadLetter]
    /// The attempts made, for the delivery record.
    public var attempts: [AttemptRecord]

    /// Creates a commit.
    public init(
        partition: PartitionKey,
        state: PartitionState,
        taken: [Int64] = [],
        finishedRetries: [Int64] = [],
        retries: [Retry] = [],
        deadLetters: [DeadLetter] = [],
        attempts: [AttemptRecord] = []
    ) {
        self.partition = partition
        self.state = state
        self.taken = taken
        self.finishedRetries = finishedRetries
        self.retries = retries
        self.deadLetters = deadLetters
        self.attempts = attempts
    }
}
