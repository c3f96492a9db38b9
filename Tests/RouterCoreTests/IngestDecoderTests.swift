import RouterCore
import RouterTesting
import Testing

struct IngestDecoderTests {
    let decoder = IngestDecoder(limits: IngestLimits(maxBatchEvents: 5))
    let now = Timestamp(millisecondsSince1970: 1_700_000_000_000)

    private func decode(_ text: String) throws(IngestError) -> [RetentionEvent] {
        try self.decoder.decode(Array(text.utf8), tenant: "acme", receivedAt: self.now)
    }

    private func error(_ text: String) -> IngestError? {
        do {
            _ = try self.decode(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func decodesTheReferenceSampleLosslessly() throws {
        let events = try self.decoder.decode(Array(Fixtures.sampleEventJSON.utf8), tenant: "acme", receivedAt: self.now)
        let event = try #require(events.first)
        #expect(events.count == 1)
        #expect(event.id == "1c296cd0-509f-477e-bbc2-bd07e5b33d06")
        #expect(event.type == .acceptOffer)
        #expect(event.occurredAt.iso8601 == "2020-11-06T00:53:10.886Z")
        #expect(event.receivedAt == self.now)
        #expect(event.properties == Fixtures.sampleProperties)
        #expect(event.properties.count == 49)
        #expect(event.userID == "KD21akKyAZ")
        #expect(event.accountInternalID == "9f827f6")
        #expect(event.appID == "9Nyv3KZvQJ")
        #expect(event.email == "jane@example.com")
        // The properties are kept as the source wrote them (minified), in the source's key order.
        let encoded = try #require(event.encodedProperties)
        #expect(try JSONParser.parse(encoded) == .object(Fixtures.sampleProperties))
        #expect(String(decoding: encoded, as: UTF8.self).hasPrefix(#"{"app_id":"9Nyv3KZvQJ","client_timestamp":"#))
    }

    @Test func timestampWinsOverOriginalTimestampAndReceivedAtIsTheFallback() throws {
        let both = try self.decode(#"{"event":"save","timestamp":"2021-01-01T00:00:00Z","originalTimestamp":"2020-01-01T00:00:00Z"}"#)
        #expect(both.first?.occurredAt.iso8601 == "2021-01-01T00:00:00.000Z")
        let neither = try self.decode(#"{"event":"save"}"#)
        #expect(neither.first?.occurredAt == self.now)
    }

    @Test func assignsAUUIDWhenNoIDIsGiven() throws {
        let events = try self.decode(#"{"event":"cancel","properties":{}}"#)
        let id = try #require(events.first?.id)
        #expect(id.count == 36)
        #expect(events.first?.properties == [:])
    }

    @Test func acceptsAndIgnoresOtherTopLevelFields() throws {
        let events = try self.decode(#"{"event":"link","type":"track","integrations":{"All":true},"context":{"x":1}}"#)
        #expect(events.first?.type == .link)
    }

    @Test func decodesABatchInOrder() throws {
        let events = try self.decode(#"{"batch":[{"event":"page_loaded","messageId":"a"},{"event":"cancel","messageId":"b"}]}"#)
        #expect(events.map(\.id) == ["a", "b"])
        #expect(events.map(\.type) == [.pageLoaded, .cancel])
    }

    @Test(arguments: [
        (#"{"properties":{}}"#, "event", "missing_field"),
        (#"{"event":42}"#, "event", "invalid_field"),
        (#"{"event":"unsubscribe"}"#, "event", "invalid_field"),
        (#"{"event":"save","properties":[1]}"#, "properties", "invalid_field"),
        (#"{"event":"save","properties":"x"}"#, "properties", "invalid_field"),
        (#"{"event":"save","properties":null}"#, "properties", "invalid_field"),
        (#"{"batch":[{"event":"save"},{"event":"save","properties":null}]}"#, "batch[1].properties", "invalid_field"),
        (#"{"event":"save","messageId":7}"#, "messageId", "invalid_field"),
        (#"{"event":"save","messageId":""}"#, "messageId", "invalid_field"),
        (#"{"event":"save","messageId":"a\u0000b"}"#, "messageId", "invalid_field"),
        (#"{"event":"save","timestamp":"last tuesday"}"#, "timestamp", "invalid_field"),
        (#"{"event":"save","originalTimestamp":1604623990}"#, "originalTimestamp", "invalid_field"),
        (#"{"batch":{}}"#, "batch", "invalid_field"),
        (#"{"batch":[]}"#, "batch", "invalid_field"),
        (#"{"batch":[{"event":"save"},{"event":"save"},{"event":"save"},{"event":"nope"}]}"#, "batch[3].event", "invalid_field"),
        (#"{"batch":[{"event":"save"},7]}"#, "batch[1]", "invalid_field"),
        (#"{"batch":[{},{},{},{},{},{}]}"#, "batch", "too_many_events"),
    ])
    func namesTheFieldAtFault(_ body: String, _ field: String, _ code: String) throws {
        let error = try #require(self.error(body))
        #expect(error.field == field)
        #expect(error.code.description == code)
        #expect(error.kind == .invalid)
    }

    @Test func idsLongerThan100CharactersAreRefused() throws {
        let ok = String(repeating: "x", count: 100)
        #expect(try self.decode(#"{"event":"save","messageId":"\#(ok)"}"#).first?.id == ok)
        let error = try #require(self.error(#"{"event":"save","messageId":"\#(ok)y"}"#))
        #expect(error.field == "messageId")
        #expect(error.message.contains("101"))
    }

    @Test(arguments: ["not json", "[1,2]", "\"text\"", "{\"event\":\"save\",\"event\":\"cancel\"}"])
    func refusesBodiesThatAreNotAnEventObject(_ body: String) throws {
        #expect(self.error(body) != nil)
    }

    @Test func propertiesAreCheckedFullyEvenThoughTheyAreNotDecoded() throws {
        #expect(self.error(#"{"event":"save","properties":{"a":1,"a":2}}"#)?.code == .duplicateKey)
        #expect(self.error(#"{"batch":[{"event":"save","properties":{"a":[1,}}]}"#)?.code == .malformedJSON)
        #expect(self.error(#"{"event":"save","properties":{"n":01}}"#)?.code == .malformedJSON)
        #expect(self.error(#"{"event":"save","properties":{"a":1,"\u0061":2}}"#)?.code == .duplicateKey)
        #expect(self.error(#"{"event":"save","properties":{"x":{"k":1,"k":1}}}"#)?.code == .duplicateKey)
        // Wide objects: duplicates found among the first keys, past them, and across the two.
        let wide = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(self.error(#"{"event":"save","properties":{"# + wide + "}}") == nil)
        for duplicate in ["k3", "k30", "k15", "k16"] {
            #expect(self.error(#"{"event":"save","properties":{"# + wide + ",\"\(duplicate)\":1}}")?.code == .duplicateKey, "\(duplicate)")
        }
        #expect(self.error(#"{"event":"save","properties":{"bad\q":1}}"#)?.code == .malformedJSON)
        #expect(self.error(#"{"event":"save","properties":{"s":"\ud800"}}"#)?.code == .invalidUTF8)
        let invalid = Array(#"{"event":"save","properties":{""#.utf8) + [0xe2, 0x28, 0xa1] + Array(#"":1}}"#.utf8)
        do {
            _ = try self.decoder.decode(invalid, tenant: "acme", receivedAt: self.now)
            Issue.record("a key with invalid UTF-8 was accepted")
        } catch {
            #expect(error.code == .invalidUTF8)
        }
        #expect(try self.decode(#"{"event":"save","properties":{"é":"ü","a\"b":"\n"}}"#).first?.properties == ["é": "ü", "a\"b": "\n"])
        let nested = try self.decode(#"{"event":"save","properties":{"a":{"b":[1.5e3,"x\u00e9",null,true]}}}"#)
        #expect(nested.first?.properties == ["a": ["b": [.number(JSONNumber(1500)!), "xé", nil, true]]])
        let decoy = try self.decode(#"{"event":"save","properties":{"a":1},"context":{"page":{"properties":"x"}}}"#)
        #expect(decoy.first?.properties == ["a": 1])
        #expect(decoy.first?.encodedProperties == Array(#"{"a":1}"#.utf8))
    }

    @Test func malformedBodiesAreOfKindMalformed() throws {
        #expect(self.error("{oops")?.kind == .malformed)
        #expect(self.error("{oops")?.code == .malformedJSON)
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(self.error(#"{"event":"save","properties":{"a":\#(deep)}}"#)?.code == .tooDeep)
    }
}
