import RouterCore
import Signing

/// Turns retention events into Segment Track and Identify messages and `/v1/batch` bodies.
///
/// Pure: no I/O and no clock (the caller passes `sentAt`). The mapping, checked against the
/// golden samples in `reference/samples/`:
/// - Track: `event` = the event's name (its type, or what a transform renamed it to),
///   `properties` = the flat properties (as a transform left them), `messageId` = the event id,
///   `timestamp` = when the event happened, `userId` = the account's `internal_id`,
///   `anonymousId` = the source's `user_id`, `context.library` = this server, `integrations` from
///   settings.
/// - Identify (before the Track, per `SegmentSettings.IdentifyMode`): `traits` = every
///   `field.cancel.*` property without the `field.` prefix, plus `user_cookie` and `user_id`;
///   the same identities and timestamp; a `messageId` derived from the event id.
public struct SegmentEncoder: Sendable {
    /// What one event becomes.
    public enum Encoded: Sendable, Equatable {
        /// The serialized messages to send, Identify (if any) first.
        case messages([[UInt8]])
        /// The event cannot be sent; it should become a dead letter with this reason.
        case unsendable(FailureReason)
    }

    /// `context.library.name`: this server's name.
    public static var libraryName: String { RouterIdentity.name }
    /// `context.library.version`: this server's version.
    public static var libraryVersion: String { RouterIdentity.version }
    /// The largest serialized message Segment accepts (32 KB).
    public static let maxMessageBytes = 32 * 1024
    /// The longest `messageId` Segment accepts.
    public static let maxMessageIDLength = 100

    /// When Identify messages are added.
    public var identifyMode: SegmentSettings.IdentifyMode
    /// The `integrations` object of every message.
    public var integrations: [String: JSONValue]

    /// Creates an encoder.
    public init(identifyMode: SegmentSettings.IdentifyMode = .pageLoaded, integrations: [String: JSONValue] = [:]) {
        self.identifyMode = identifyMode
        self.integrations = integrations
    }

    /// Creates an encoder for a destination's settings.
    public init(settings: SegmentSettings) {
        self.init(identifyMode: settings.identify, integrations: settings.integrations)
    }

    /// The `context` of every message: `{"library": {"name": ..., "version": ...}}`.
    public static var context: JSONValue {
        ["library": ["name": .string(Self.libraryName), "version": .string(Self.libraryVersion)]]
    }

    /// True when an Identify goes out before this event's Track.
    public func sendsIdentify(for event: RetentionEvent) -> Bool {
        switch self.identifyMode {
        case .pageLoaded: event.type == .pageLoaded
        case .everyEvent: true
        case .never: false
        }
    }

    /// The messages for one event as JSON values, Identify (if any) first.
    public func messages(for event: RetentionEvent) -> [JSONValue] {
        self.sendsIdentify(for: event) ? [self.identify(event), self.track(event)] : [self.track(event)]
    }

    /// Serializes an event's messages, or says why it cannot be sent: no `userId` or
    /// `anonymousId` (Segment would drop it silently), or a message over 32 KB.
    public func encode(_ event: RetentionEvent) -> Encoded {
        // Segment is the destination that decodes values: properties that do not decode must not
        // go out as an empty object.
        if let problem = event.propertiesProblem {
            return .unsendable(FailureReason(code: "unreadable_event", message: "the event's properties cannot be read: \(problem.message)"))
        }
        guard event.accountInternalID != nil || event.userID != nil else {
            return .unsendable(
                FailureReason(
                    code: "missing_identity",
                    message: "the event has neither \(RetentionEvent.PropertyKey.accountInternalID) nor "
                        + "\(RetentionEvent.PropertyKey.userID), so Segment would drop it"
                )
            )
        }
        var messages = [self.trackText(event)]
        if self.sendsIdentify(for: event) { messages.insert(JSONWriter.serialize(self.identify(event)), at: 0) }
        if let largest = messages.map(\.count).max(), largest > Self.maxMessageBytes {
            return .unsendable(
                FailureReason(
                    code: "event_too_large",
                    message:
                        "the encoded Segment message is \(largest) bytes; Segment accepts at most \(Self.maxMessageBytes)"
                )
            )
        }
        return .messages(messages)
    }

    /// The Track message of an event.
    public func track(_ event: RetentionEvent) -> JSONValue {
        var message = self.common(event)
        message["type"] = "track"
        message["event"] = .string(event.eventName)
        message["messageId"] = .string(event.id)
        message["properties"] = .object(event.properties)
        return .object(message)
    }

    /// The Track message as `encode` sends it: `track(_:)` with `properties` spliced in as the
    /// event's JSON text (`RetentionEvent.propertiesJSON`), so every key reaches Segment as the
    /// source sent it, also two keys that differ in bytes but are one `String` (`"é"` written
    /// precomposed and decomposed), which a `[String: JSONValue]` cannot hold apart.
    public func trackText(_ event: RetentionEvent) -> [UInt8] {
        var message = self.common(event)
        message["type"] = "track"
        message["event"] = .string(event.eventName)
        message["messageId"] = .string(event.id)
        let properties = event.propertiesJSON
        var writer = JSONWriter(capacity: properties.count + 512)
        writer.write(.object(message))
        // `message` is a non-empty object: replace its closing brace with one more member.
        writer.dropLast()
        writer.raw(",\"properties\":")
        writer.rawJSON(properties)
        writer.raw("}")
        return writer.bytes
    }

    /// The Identify message of an event.
    public func identify(_ event: RetentionEvent) -> JSONValue {
        var message = self.common(event)
        message["type"] = "identify"
        message["messageId"] = .string(Self.identifyMessageID(forEventID: event.id))
        message["traits"] = .object(Self.traits(of: event))
        return .object(message)
    }

    private func common(_ event: RetentionEvent) -> [String: JSONValue] {
        var message: [String: JSONValue] = [
            "context": Self.context,
            "integrations": .object(self.integrations),
            "timestamp": .string(event.occurredAt.iso8601),
        ]
        if let userID = event.accountInternalID { message["userId"] = .string(userID) }
        if let anonymousID = event.userID { message["anonymousId"] = .string(anonymousID) }
        return message
    }

    /// Identify traits: every `field.cancel.*` property without `field.`, plus `user_cookie` and
    /// `user_id`, values unchanged.
    public static func traits(of event: RetentionEvent) -> [String: JSONValue] {
        var traits: [String: JSONValue] = [:]
        for (key, value) in event.properties where key.hasPrefix("field.cancel.") {
            traits[String(key.dropFirst("field.".count))] = value
        }
        for key in [RetentionEvent.PropertyKey.userCookie, RetentionEvent.PropertyKey.userID] {
            if let value = event.properties[key] { traits[key] = value }
        }
        return traits
    }

    /// The Identify `messageId` for an event: `identify-<id>`, or, when that would pass 100
    /// characters, `identify-` and the hex SHA-256 HMAC of the id under a fixed key (73
    /// characters). Stable across retries and restarts.
    public static func identifyMessageID(forEventID id: String) -> String {
        let plain = "identify-" + id
        if plain.utf8.count <= Self.maxMessageIDLength { return plain }
        let digest = HMAC.authenticationCode(
            .sha256,
            key: Array("retention-router.segment.identify".utf8),
            message: Array(id.utf8)
        )
        return "identify-" + Hex.encode(digest)
    }

    /// A `/v1/batch` body: `{"batch":[...],"sentAt":"...","writeKey":"..."}`.
    ///
    /// - Parameters:
    ///   - messages: serialized messages, as `encode` returns them.
    ///   - sentAt: the time of this attempt (Segment corrects clock skew with it).
    ///   - writeKey: the source's write key, also sent in the body as Segment's Node library does.
    public static func body(messages: [[UInt8]], sentAt: Timestamp, writeKey: String) -> [UInt8] {
        let capacity = messages.reduce(64 + writeKey.utf8.count + messages.count) { $0 + $1.count }
        var writer = JSONWriter(capacity: capacity)
        writer.raw("{\"batch\":[")
        for (position, message) in messages.enumerated() {
            if position > 0 { writer.raw(",") }
            writer.rawJSON(message)
        }
        writer.raw("],\"sentAt\":")
        writer.string(sentAt.iso8601)
        writer.raw(",\"writeKey\":")
        writer.string(writeKey)
        writer.raw("}")
        return writer.bytes
    }

    /// The size of a body with an empty batch: what the envelope adds to the messages.
    public static func envelopeBytes(writeKey: String) -> Int {
        Self.body(messages: [], sentAt: Timestamp(millisecondsSince1970: 0), writeKey: writeKey).count
    }
}
