/// An event a destination could not take, kept with the reason so it can be replayed.
public struct DeadLetterRecord: Sendable, Equatable {
    /// The partition it failed in.
    public var partition: PartitionKey
    /// Its position in the store.
    public var sequence: Int64
    /// The event id.
    public var eventID: String
    /// How many attempts were made.
    public var attempts: Int
    /// The last failure.
    public var reason: FailureReason
    /// When it was parked.
    public var failedAt: Timestamp

    /// Creates a record.
    public init(partition: PartitionKey, sequence: Int64, eventID: String, attempts: Int, reason: FailureReason, failedAt: Timestamp) {
        self.partition = partition
        self.sequence = sequence
        self.eventID = eventID
        self.attempts = attempts
        self.reason = reason
        self.failedAt = failedAt
    }
}
