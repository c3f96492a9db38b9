/// An event and where it stands at each destination it was routed to: the answer to "did event
/// X arrive?".
public struct EventStatus: Sendable, Equatable {
    /// Where an event stands at one destination.
    public enum State: Sendable, Equatable {
        /// Not attempted yet.
        case pending
        /// The destination has it.
        case delivered
        /// Failed and scheduled again at this time.
        case retrying(next: Timestamp?)
        /// Parked as a dead letter.
        case dead

        /// The wire name: `pending`, `delivered`, `retrying` or `dead`.
        public var name: String {
            switch self {
            case .pending: "pending"
            case .delivered: "delivered"
            case .retrying: "retrying"
            case .dead: "dead"
            }
        }
    }

    /// One destination's view of the event.
    public struct Destination: Sendable, Equatable {
        public var id: String
        public var state: State
        public var attempts: [AttemptRecord]
        /// The dead-letter reason, when dead.
        public var deadReason: FailureReason?

        public init(id: String, state: State, attempts: [AttemptRecord], deadReason: FailureReason?) {
            self.id = id
            self.state = state
            self.attempts = attempts
            self.deadReason = deadReason
        }
    }

    /// The event.
    public var event: RetentionEvent
    /// Its position in the store.
    public var sequence: Int64
    /// Per destination it was routed to, sorted by id.
    public var destinations: [Destination]
    /// When its payload was erased (`EventStore.erasePayload`); nil while it is whole. An erased
    /// event's `event.properties` is empty and must not be shown as the event's properties.
    public var erasedAt: Timestamp?

    public init(event: RetentionEvent, sequence: Int64, destinations: [Destination], erasedAt: Timestamp? = nil) {
        self.event = event
        self.sequence = sequence
        self.destinations = destinations
        self.erasedAt = erasedAt
    }
}
