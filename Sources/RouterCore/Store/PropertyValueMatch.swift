import Foundation

/// Which events a bulk erasure takes: those whose properties have a top-level member named
/// exactly `property` whose value is a JSON string equal to `value`, or a number written exactly
/// as `value` (`"user_id": "u_123"`, `"field.cancel.account.internal_id": 42`).
///
/// Names are compared whole (a name may contain dots: `field.cancel.email` is one property, not
/// a path), and strings by their Unicode scalars after JSON escapes are decoded: no case folding
/// and no Unicode normalization, so what is erased is exactly what was asked for.
///
/// Most events do not match, so the JSON text is searched first for the name's and the value's
/// bytes; text holding neither (and no escapes) is never parsed, and values are never decoded
/// into a dictionary.
public struct PropertyValueMatch: Sendable, Equatable {
    /// The property name, e.g. `user_id` or `field.cancel.email`.
    public var property: String
    /// The value, as text.
    public var value: String

    /// Creates a match.
    public init(property: String, value: String) {
        self.property = property
        self.value = value
    }

    /// True when `json`, an object's text, has the member with the value.
    public func matches(_ json: [UInt8]) -> Bool {
        json.withUnsafeBytes { self.matches($0) }
    }

    /// True when `json`, an object's text, has the member with the value.
    public func matches(_ json: UnsafeRawBufferPointer) -> Bool {
        let name = Array(self.property.utf8)
        let wanted = Array(self.value.utf8)
        // Without escapes, every name and string appears in the text as written.
        if !Self.contains(json, [UInt8(ascii: "\\")]) {
            guard Self.contains(json, name), Self.contains(json, wanted) else { return false }
        }
        guard let members = try? JSONParser.objectMemberRanges(json, maxDepth: 1024) else { return false }
        for member in members {
            let memberName = member.decodedName ?? Array(json[(member.key.lowerBound + 1)..<(member.key.upperBound - 1)])
            guard memberName == name else { continue }
            // Names are unique within an object: this member decides.
            return Self.value(UnsafeRawBufferPointer(rebasing: json[member.value]), equals: wanted)
        }
        return false
    }

    /// True when the JSON value text is a string whose decoded text is `wanted`, or a number
    /// written as `wanted`.
    private static func value(_ text: UnsafeRawBufferPointer, equals wanted: [UInt8]) -> Bool {
        guard let first = text.first else { return false }
        if first == UInt8(ascii: "\"") {
            let inner = UnsafeRawBufferPointer(rebasing: text[1..<(text.count - 1)])
            if !Self.contains(inner, [UInt8(ascii: "\\")]) { return inner.elementsEqual(wanted) }
            guard case .string(let decoded)? = try? JSONParser.parse(text) else { return false }
            return Array(decoded.utf8) == wanted
        }
        if first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) {
            return text.elementsEqual(wanted)
        }
        return false
    }

    /// True when `needle` occurs in `haystack`.
    private static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        guard let base = haystack.baseAddress, haystack.count >= needle.count else { return false }
        return needle.withUnsafeBytes { pattern in
            guard let patternBase = pattern.baseAddress else { return false }
            let lastStart = haystack.count - needle.count
            var offset = 0
            while offset <= lastStart {
                guard let found = memchr(base + offset, Int32(first), lastStart - offset + 1) else { return false }
                let position = base.distance(to: UnsafeRawPointer(found))
                if memcmp(base + position, patternBase, needle.count) == 0 { return true }
                offset = position + 1
            }
            return false
        }
    }
}
