import Foundation

/// Turns an ingest body into validated `RetentionEvent`s, or says exactly which field is wrong.
///
/// Accepts one event shaped like a Segment Track call (`event`, `properties`, optional
/// `messageId`, `timestamp`, `originalTimestamp`) or `{"batch": [...]}` of them. Other top-level
/// fields (`integrations`, `type`, `context`, ...) are accepted and ignored. A batch is all or
/// nothing: one invalid event refuses the whole request.
public struct IngestDecoder: Sendable {
    /// The bounds to enforce.
    public var limits: IngestLimits

    /// Creates a decoder.
    public init(limits: IngestLimits = IngestLimits()) {
        self.limits = limits
    }

    /// Decodes and validates a body.
    ///
    /// - Parameters:
    ///   - body: the raw request body.
    ///   - tenant: the tenant the events belong to.
    ///   - receivedAt: when the request arrived.
    /// - Throws: `IngestError` naming the field and the reason.
    /// The id prefix of the console's test sends, refused for accepted events.
    public static let reservedTestPrefix = "rr-test-"

    public func decode(_ body: some Collection<UInt8>, tenant: String, receivedAt: Timestamp) throws(IngestError) -> [RetentionEvent] {
        // Properties are always kept as the text that was sent (a body in pieces is copied first),
        // so keys that are one `String` but two byte sequences both survive.
        let maxDepth = self.limits.maxDepth
        let parsed: Result<(JSONValue, [Int: [UInt8]]), JSONParseError> =
            body.withContiguousStorageIfAvailable { buffer in
                JSONParser.parseCapturingText(UnsafeRawBufferPointer(buffer), key: "properties", maxDepth: maxDepth)
            } ?? Array(body).withUnsafeBytes { JSONParser.parseCapturingText($0, key: "properties", maxDepth: maxDepth) }
        let document: JSONValue
        let encoded: [Int: [UInt8]]
        switch parsed {
        case .success(let (value, texts)):
            document = value
            encoded = texts
        case .failure(let error):
            throw Self.ingestError(error)
        }
        guard case .object(let root) = document else {
            throw IngestError(
                kind: .invalid,
                code: .invalidField,
                field: nil,
                message: "the body must be a JSON object: one event, or {\"batch\": [...]}; found \(document.typeName)"
            )
        }
        guard let batchValue = root["batch"] else {
            return [try self.event(root, path: "", tenant: tenant, receivedAt: receivedAt, encodedProperties: encoded[-1])]
        }
        guard case .array(let items) = batchValue else {
            throw IngestError(kind: .invalid, code: .invalidField, field: "batch", message: "must be an array of events; found \(batchValue.typeName)")
        }
        guard !items.isEmpty else {
            throw IngestError(kind: .invalid, code: .invalidField, field: "batch", message: "must hold at least one event")
        }
        guard items.count <= self.limits.maxBatchEvents else {
            throw IngestError(
                kind: .invalid,
                code: .tooManyEvents,
                field: "batch",
                message: "holds \(items.count) events; at most \(self.limits.maxBatchEvents) are accepted in one request"
            )
        }
        var events: [RetentionEvent] = []
        events.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let path = "batch[\(index)]."
            guard case .object(let members) = item else {
                throw IngestError(kind: .invalid, code: .invalidField, field: "batch[\(index)]", message: "must be an event object; found \(item.typeName)")
            }
            events.append(try self.event(members, path: path, tenant: tenant, receivedAt: receivedAt, encodedProperties: encoded[index]))
        }
        return events
    }

    private func event(
        _ members: [String: JSONValue],
        path: String,
        tenant: String,
        receivedAt: Timestamp,
        encodedProperties: [UInt8]?
    ) throws(IngestError) -> RetentionEvent {
        guard let eventValue = members["event"] else {
            throw IngestError(kind: .invalid, code: .missingField, field: path + "event", message: "is required: one of \(RetentionEventType.names)")
        }
        guard case .string(let typeName) = eventValue else {
            throw IngestError(kind: .invalid, code: .invalidField, field: path + "event", message: "must be a string; found \(eventValue.typeName)")
        }
        guard let type = RetentionEventType(rawValue: typeName) else {
            throw IngestError(
                kind: .invalid,
                code: .invalidField,
                field: path + "event",
                message: "unknown event type \"\(Self.clip(typeName))\"; expected one of \(RetentionEventType.names)"
            )
        }
        var properties: [String: JSONValue] = [:]
        var encoded: [UInt8]?
        switch members["properties"] {
        case nil: break
        case .null?:
            // The contract is an object, absent meaning `{}`: a null is a sender's bug to report.
            throw IngestError(kind: .invalid, code: .invalidField, field: path + "properties", message: "must be an object (leave it out for none); found null")
        case .object(let value)?:
            properties = value
            encoded = encodedProperties
        case let other?:
            throw IngestError(kind: .invalid, code: .invalidField, field: path + "properties", message: "must be an object; found \(other.typeName)")
        }
        let id: String
        switch members["messageId"] {
        case nil, .null?:
            id = UUID().uuidString.lowercased()
        case .string(let value)?:
            guard !value.isEmpty else {
                throw IngestError(kind: .invalid, code: .invalidField, field: path + "messageId", message: "must not be empty")
            }
            guard value.count <= self.limits.maxIDLength else {
                throw IngestError(
                    kind: .invalid,
                    code: .invalidField,
                    field: path + "messageId",
                    message: "is \(value.count) characters long; at most \(self.limits.maxIDLength) are accepted"
                )
            }
            guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
                throw IngestError(kind: .invalid, code: .invalidField, field: path + "messageId", message: "must not contain control characters")
            }
            // Test sends from the console carry this prefix; a real event never may, so a
            // receiver can tell the two apart by the id alone.
            guard !value.hasPrefix(Self.reservedTestPrefix) else {
                throw IngestError(
                    kind: .invalid,
                    code: .invalidField,
                    field: path + "messageId",
                    message: "must not start with \"\(Self.reservedTestPrefix)\": that prefix marks the console's test sends"
                )
            }
            id = value
        case let other?:
            throw IngestError(kind: .invalid, code: .invalidField, field: path + "messageId", message: "must be a string; found \(other.typeName)")
        }
        let timestamp = try Self.timestamp(members["timestamp"], field: path + "timestamp")
        let originalTimestamp = try Self.timestamp(members["originalTimestamp"], field: path + "originalTimestamp")
        let occurredAt = timestamp ?? originalTimestamp ?? receivedAt
        if let encoded {
            // Validated but not decoded: ingest only stores and forwards the text.
            return RetentionEvent(id: id, type: type, tenant: tenant, occurredAt: occurredAt, receivedAt: receivedAt, encodedProperties: encoded)
        }
        return RetentionEvent(id: id, type: type, tenant: tenant, occurredAt: occurredAt, receivedAt: receivedAt, properties: properties)
    }

    private static func timestamp(_ value: JSONValue?, field: String) throws(IngestError) -> Timestamp? {
        switch value {
        case nil, .null?:
            return nil
        case .string(let text)?:
            guard let timestamp = Timestamp(iso8601: text) else {
                throw IngestError(
                    kind: .invalid,
                    code: .invalidField,
                    field: field,
                    message: "\"\(Self.clip(text))\" is not an ISO-8601 date-time such as 2020-11-06T00:53:10.886Z"
                )
            }
            return timestamp
        case let other?:
            throw IngestError(kind: .invalid, code: .invalidField, field: field, message: "must be an ISO-8601 string; found \(other.typeName)")
        }
    }

    private static func ingestError(_ error: JSONParseError) -> IngestError {
        let code: IngestError.Code =
            switch error.code {
            case .syntax: .malformedJSON
            case .invalidUTF8: .invalidUTF8
            case .tooDeep: .tooDeep
            case .duplicateKey: .duplicateKey
            }
        return IngestError(kind: .malformed, code: code, field: nil, message: error.description)
    }

    /// Shortens user-supplied text quoted back in an error.
    private static func clip(_ text: String) -> String {
        text.count <= 64 ? text : String(text.prefix(64)) + "…"
    }
}
