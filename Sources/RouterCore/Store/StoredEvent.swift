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
    /// Why the stored row cannot be read (damaged, undecompressable, not a JSON object), with
    /// code `unreadable_event`; nil for a sound row. Such an event is never handed to a
    /// destination: it becomes a dead letter, and delivery goes on with the next one.
    public var unreadable: FailureReason?

    /// Creates a stored event.
    public init(sequence: Int64, event: RetentionEvent, failures: Int = 0, firstFailure: Timestamp? = nil) {
        self.sequence = sequence
        self.event = event
        self.failures = failures
        self.firstFailure = firstFailure
    }

    /// A row that could not be read: it carries the id and times that could be, no properties,
    /// and the reason.
    public static func unreadable(
        sequence: Int64,
        id: String,
        tenant: String,
        type: RetentionEventType?,
        occurredAt: Timestamp,
        receivedAt: Timestamp,
        problem: String,
        failures: Int = 0,
        firstFailure: Timestamp? = nil
    ) -> StoredEvent {
        let event = RetentionEvent(
            id: id,
            type: type ?? .pageLoaded,
            tenant: tenant,
            occurredAt: occurredAt,
            receivedAt: receivedAt,
            encodedProperties: Array("{}".utf8)
        )
        var stored = StoredEvent(sequence: sequence, event: event, failures: failures, firstFailure: firstFailure)
        stored.unreadable = FailureReason(code: "unreadable_event", message: "the stored event cannot be read: \(problem); it was not sent")
        return stored
    }

    /// Checks stored properties text: nil when it is one valid JSON object, else what is wrong.
    /// Ingest checked the text in full before storing it, so a read looks for what damage
    /// does (syntax, UTF-8, depth), not for a key twice (see `JSONParser.validate`).
    public static func problem(withProperties text: [UInt8]) -> String? {
        guard text.first == UInt8(ascii: "{") else { return "the properties are not a JSON object" }
        return text.withUnsafeBytes { bytes in
            JSONParser.validate(bytes, maxDepth: 1024, duplicateKeys: false).map { "the properties are not valid JSON (\($0.message) at byte \($0.offset))" }
        }
    }
}
