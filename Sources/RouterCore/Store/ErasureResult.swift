/// What erasing one event's payload did (`EventStore.erasePayload`).
///
/// The event keeps its row (id, type, times, delivery record); its properties are replaced by a
/// tombstone and `erasedAt` is set. Every delivery of it still waiting (at a partition's head or
/// as a retry) became a dead letter with reason `erased` in the same transaction, because
/// nothing is ever delivered with less than was accepted.
public struct ErasureResult: Sendable, Equatable {
    /// The event id.
    public var id: String
    /// Its position in the store.
    public var sequence: Int64
    /// When its payload was erased: now, or earlier when `alreadyErased`.
    public var erasedAt: Timestamp
    /// True when the payload had been erased before; then nothing changed.
    public var alreadyErased: Bool
    /// The partitions where a pending or retrying delivery of it became a dead letter `erased`
    /// (their workers may be woken to look again).
    public var deadLettered: Set<PartitionKey>

    /// Creates a result.
    public init(id: String, sequence: Int64, erasedAt: Timestamp, alreadyErased: Bool, deadLettered: Set<PartitionKey>) {
        self.id = id
        self.sequence = sequence
        self.erasedAt = erasedAt
        self.alreadyErased = alreadyErased
        self.deadLettered = deadLettered
    }
}

extension FailureReason {
    /// The dead-letter reason of a delivery that was still waiting when its event's payload was
    /// erased. Such a dead letter is never replayed.
    public static let erased = FailureReason(
        code: "erased",
        message: "the event's payload was erased by an operator before it was delivered; it is not sent and cannot be replayed"
    )
}
