@testable import RouterCore
import Testing

/// One rule for keys (issue #14, item 4): two keys are the same key only when their bytes (after
/// escapes are decoded) are the same, at ingest and wherever properties are decoded later.
/// `"é"` written precomposed (U+00E9) and decomposed (`e` + U+0301) is one Swift `String` but two
/// keys.
struct JSONKeyRuleTests {
    /// `{"é":1,"é":2}` with the first key precomposed and the second decomposed.
    static let equivalentKeys = #"{"app_id":"a","user_id":"u1","\u00e9":1,"e\u0301":2}"#
    static let precomposed: [UInt8] = [0xC3, 0xA9]
    static let decomposed: [UInt8] = [0x65, 0xCC, 0x81]

    @Test func theParserAcceptsCanonicallyEquivalentKeysWithDifferentBytes() throws {
        let value = try JSONParser.parse(Array(Self.equivalentKeys.utf8))
        // A `[String: JSONValue]` holds one of them: the first, for lookups by name.
        #expect(value["\u{e9}"] == 1)
        // The same bytes written raw instead of escaped.
        let raw: [UInt8] = Array(#"{""#.utf8) + Self.precomposed + Array(#"":1,""#.utf8) + Self.decomposed + Array(#"":2}"#.utf8)
        _ = try JSONParser.parse(raw)
    }

    @Test(arguments: [
        #"{"\u00e9":1,"e\u0301":2,"e\u0301":3}"#,
        #"{"e\u0301":1,"\u00e9":2,"e\u0301":3}"#,
        #"{"\u00e9":1,"e\u0301":2,"\u00e9":3}"#,
        #"{"\u00e9":1,"é":2}"#,
    ])
    func aKeyRepeatedByteForByteIsRefusedWhateverComesBetween(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(text.utf8)) }
        // Ingest's validate-only path applies the same rule.
        let body = #"{"event":"cancel","properties":"# + text + "}"
        #expect(throws: IngestError.self) {
            try IngestDecoder(limits: IngestLimits()).decode(Array(body.utf8), tenant: "t", receivedAt: .init(millisecondsSince1970: 0))
        }
    }

    @Test func decodedPropertiesAreNotEmptiedByEquivalentKeys() throws {
        let event = RetentionEvent(
            id: "e1",
            type: .cancel,
            tenant: "t",
            occurredAt: .init(millisecondsSince1970: 0),
            receivedAt: .init(millisecondsSince1970: 0),
            encodedProperties: Array(Self.equivalentKeys.utf8)
        )
        // Before: the later decode refused the object as a duplicate and `properties` read `{}`.
        #expect(event.properties["app_id"] == "a")
        #expect(event.userID == "u1")
        #expect(event.properties["\u{e9}"] == 1)
    }

    @Test func ingestStoresBothKeysAsSent() throws {
        let body = #"{"event":"cancel","properties":"# + Self.equivalentKeys + "}"
        let events = try IngestDecoder(limits: IngestLimits()).decode(
            Array(body.utf8),
            tenant: "t",
            receivedAt: .init(millisecondsSince1970: 0)
        )
        let encoded = try #require(events.first?.encodedProperties)
        let names = try encoded.withUnsafeBytes { try JSONParser.objectMembers($0) }.map { Array($0.name.utf8) }
        #expect(names.contains(Self.precomposed))
        #expect(names.contains(Self.decomposed))
        #expect(events.first?.properties["app_id"] == "a")
    }

    @Test func aBodyInPiecesKeepsItsPropertiesTextToo() throws {
        // A non-contiguous body used to be parsed into values, losing one of the keys.
        let body = #"{"event":"cancel","properties":"# + Self.equivalentKeys + "}"
        let pieces = Array(body.utf8).lazy.map { $0 }
        let events = try IngestDecoder(limits: IngestLimits()).decode(pieces, tenant: "t", receivedAt: .init(millisecondsSince1970: 0))
        #expect(events.first?.encodedProperties == Array(Self.equivalentKeys.utf8))
    }
}
