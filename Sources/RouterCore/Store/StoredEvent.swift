/// An event read back from the store for one partition, with its delivery history so far.
public struct StoredEvent: Sendable, Hashable {
    /// Its position in the store.
    public var sequence: Int64
    /// The event.
    public var event: RetentionEvent
    /// Failed attempts so far for this partition (0 for a fresh event).
    public var failures: Int
    /// When the first attempt failed, for retried events.
    public var firstFailure: Timestamp?

    /// Creates a stored event.
    public init(sequence: Int64, event: RetentionEvent, failures: Int = 0, firstFailure: Timestamp? = nil) {
        self.sequence = sequence
        self.event = event
        self.failures = failures
        self.firstFailure = firstFailure
    }
}
