/// Which of a tenant's events to list: newest first, filtered, one page at a time.
///
/// Every filter narrows the result (they combine with AND). The scan is bounded: at most
/// `scanLimit` events are examined per call, and the page says how far it looked, so a search
/// for a rare property value never reads a whole store in one request.
public struct EventQuery: Sendable, Equatable {
    /// Where an event stands at a destination, as a list filter.
    public enum State: String, Sendable, Equatable, CaseIterable {
        /// Routed to the destination and waiting at its head (not yet attempted, or failing at the head).
        case pending
        /// The destination has it.
        case delivered
        /// In the destination's retry set.
        case retrying
        /// Parked as a dead letter at the destination.
        case dead
        /// Not routed to the destination at all.
        case notRouted = "not_routed"
    }

    /// Only the event with this id.
    public var id: String?
    /// Only events of this type.
    public var type: RetentionEventType?
    /// Only events routed to this destination (or, with `state == .notRouted`, not routed to it).
    public var destination: String?
    /// Only events in this state at `destination` (at any of their destinations when nil;
    /// `notRouted` without a destination: events routed to no destination).
    public var state: State?
    /// Only events received at or after this time.
    public var from: Timestamp?
    /// Only events received before this time.
    public var to: Timestamp?
    /// Only events with a property whose value contains this text (strings, case-insensitive)
    /// or equals it (numbers and booleans as written).
    public var text: String?
    /// Most events in the page (1...200).
    public var limit: Int
    /// Continue with events older than this sequence (the `next` of the previous page).
    public var before: Int64?
    /// Most events examined by one call (events the database skips by index, such as other
    /// tenants' or, with a destination, those not routed there, do not count).
    public var scanLimit: Int

    /// Creates a query.
    public init(
        id: String? = nil,
        type: RetentionEventType? = nil,
        destination: String? = nil,
        state: State? = nil,
        from: Timestamp? = nil,
        to: Timestamp? = nil,
        text: String? = nil,
        limit: Int = 50,
        before: Int64? = nil,
        scanLimit: Int = 20_000
    ) {
        self.id = id
        self.type = type
        self.destination = destination
        self.state = state
        self.from = from
        self.to = to
        self.text = text
        self.limit = limit
        self.before = before
        self.scanLimit = scanLimit
    }
}

/// One page of `EventStore.events(tenant:query:)`.
public struct EventPage: Sendable, Equatable {
    /// One listed event and where it stands at each destination it was routed to.
    public struct Entry: Sendable, Equatable {
        /// Its position in the store.
        public var sequence: Int64
        /// The event id.
        public var id: String
        /// Its type.
        public var type: RetentionEventType
        /// When it happened.
        public var occurredAt: Timestamp
        /// When the router accepted it.
        public var receivedAt: Timestamp
        /// Its state at each destination it was routed to, sorted by destination id.
        public var destinations: [DestinationState]
        /// When its payload was erased; nil while it is whole.
        public var erasedAt: Timestamp?

        /// Creates an entry.
        public init(
            sequence: Int64,
            id: String,
            type: RetentionEventType,
            occurredAt: Timestamp,
            receivedAt: Timestamp,
            destinations: [DestinationState],
            erasedAt: Timestamp? = nil
        ) {
            self.sequence = sequence
            self.id = id
            self.type = type
            self.occurredAt = occurredAt
            self.receivedAt = receivedAt
            self.destinations = destinations
            self.erasedAt = erasedAt
        }
    }

    /// One destination's state for a listed event.
    public struct DestinationState: Sendable, Equatable {
        /// The destination id.
        public var id: String
        /// `pending`, `delivered`, `retrying` or `dead`.
        public var state: EventQuery.State

        /// Creates a state.
        public init(id: String, state: EventQuery.State) {
            self.id = id
            self.state = state
        }
    }

    /// The matching events, newest first.
    public var entries: [Entry]
    /// Pass as `EventQuery.before` to continue; nil when the scan reached the tenant's oldest event.
    public var next: Int64?
    /// How many events this call examined.
    public var scanned: Int
    /// When the oldest examined event was received (how far back this page looked); nil when
    /// nothing was examined.
    public var scannedBackTo: Timestamp?

    /// Creates a page.
    public init(entries: [Entry], next: Int64?, scanned: Int, scannedBackTo: Timestamp?) {
        self.entries = entries
        self.next = next
        self.scanned = scanned
        self.scannedBackTo = scannedBackTo
    }
}
