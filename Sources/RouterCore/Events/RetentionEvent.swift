/// One retention event as the router keeps it: what the source sent, losslessly, plus where and
/// when it was accepted.
public struct RetentionEvent: Sendable {
    /// The event id: the sender's `messageId`, or a UUID the router assigned. Unique per tenant,
    /// at most 100 characters, and the idempotency key downstream (Segment `messageId`,
    /// `webhook-id`).
    public var id: String
    /// Which of the ten event types this is.
    public var type: RetentionEventType
    /// The tenant that sent it.
    public var tenant: String
    /// When it happened: the sender's `timestamp`, else `originalTimestamp`, else `receivedAt`.
    public var occurredAt: Timestamp
    /// When the router accepted it.
    public var receivedAt: Timestamp
    /// The flat properties exactly as the source named them (`app_id`, `field.cancel.email`, ...).
    /// Decoded on first use when the event arrived as text; setting them drops the text.
    public var properties: [String: JSONValue] {
        get { self.storage.values }
        set { self.storage = EventProperties(values: newValue) }
    }
    /// The same properties as the JSON object text the source sent (white space removed), when
    /// known: sinks splice it in as is, which keeps the source's key order and saves encoding
    /// it again. It takes no part in equality.
    public var encodedProperties: [UInt8]? { self.storage.encoded }
    private var storage: EventProperties
    /// The name a destination's transform gave the event, when it renamed it.
    private var renamed: String?

    /// The name destinations send for the event: the type's wire name (`accept_offer`), or
    /// what a destination's `renameEvent` step made it (`Offer Accepted`). The webhook body's
    /// `type`, Segment's Track `event` and the file line's `type` carry it.
    public var eventName: String {
        get { self.renamed ?? self.type.rawValue }
        set { self.renamed = newValue == self.type.rawValue ? nil : newValue }
    }

    /// Creates an event.
    public init(
        id: String,
        type: RetentionEventType,
        tenant: String,
        occurredAt: Timestamp,
        receivedAt: Timestamp,
        properties: [String: JSONValue],
        encodedProperties: [UInt8]? = nil
    ) {
        self.id = id
        self.type = type
        self.tenant = tenant
        self.occurredAt = occurredAt
        self.receivedAt = receivedAt
        self.storage = EventProperties(values: properties, encoded: encodedProperties)
    }

    /// Creates an event whose properties are known as JSON object text only; they are decoded
    /// the first time `properties` is read. `encodedProperties` must be a valid JSON object.
    public init(
        id: String,
        type: RetentionEventType,
        tenant: String,
        occurredAt: Timestamp,
        receivedAt: Timestamp,
        encodedProperties: [UInt8]
    ) {
        self.id = id
        self.type = type
        self.tenant = tenant
        self.occurredAt = occurredAt
        self.receivedAt = receivedAt
        self.storage = EventProperties(encoded: encodedProperties)
    }

    /// Why the properties text cannot be decoded, when it cannot (then `properties` is empty and
    /// must not be sent as if it were the event's); nil for sound properties.
    public var propertiesProblem: JSONParseError? { self.storage.problem }

    /// The properties as JSON object text: `encodedProperties`, or freshly encoded.
    public var propertiesJSON: [UInt8] {
        self.encodedProperties ?? JSONWriter.serialize(.object(self.properties))
    }
}

extension RetentionEvent: Hashable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.id == rhs.id && lhs.type == rhs.type && lhs.eventName == rhs.eventName && lhs.tenant == rhs.tenant && lhs.occurredAt == rhs.occurredAt
            && lhs.receivedAt == rhs.receivedAt && lhs.properties == rhs.properties
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.id)
        hasher.combine(self.tenant)
        hasher.combine(self.type)
    }
}

extension RetentionEvent {
    /// Names of the properties that carry identities.
    public enum PropertyKey {
        public static let appID = "app_id"
        public static let session = "session"
        public static let userID = "user_id"
        public static let userCookie = "user_cookie"
        public static let accountInternalID = "field.cancel.account.internal_id"
        public static let email = "field.cancel.email"
    }

    /// The Chargebee Retention app id.
    public var appID: String? { self.text(PropertyKey.appID) }
    /// The cancel-flow session id.
    public var session: String? { self.text(PropertyKey.session) }
    /// The source's user id (Segment `anonymousId`).
    public var userID: String? { self.text(PropertyKey.userID) }
    /// The customer's own account id (Segment `userId`).
    public var accountInternalID: String? { self.text(PropertyKey.accountInternalID) }
    /// The account owner's email.
    public var email: String? { self.text(PropertyKey.email) }

    /// A property as non-empty text; numbers are given as their literal.
    public func text(_ key: String) -> String? {
        switch self.properties[key] {
        case .string(let value) where !value.isEmpty: value
        case .number(let value): value.text
        default: nil
        }
    }
}
