import RouterCore
import RouterTesting
import SegmentDestination
import Testing

struct SegmentEncoderTests {
    private let library: JSONValue = ["library": ["name": "retention-router", "version": "0.1.0"]]

    @Test func trackMatchesGoldenSample() throws {
        let golden = GoldenSamples.trackAcceptOffer
        let track = SegmentEncoder().track(SegmentTestSupport.event())
        #expect(track["event"] == golden["event"])
        #expect(track["messageId"] == golden["messageId"])
        #expect(track["properties"] == golden["properties"])
        #expect(track["integrations"] == golden["integrations"])
        #expect(track["timestamp"] == golden["originalTimestamp"])
        #expect(track["type"] == "track")
        #expect(track["userId"] == "9f827f6")
        #expect(track["anonymousId"] == "KD21akKyAZ")
        #expect(track["context"] == self.library)
        let keys = Set(try #require(track.objectValue).keys)
        #expect(
            keys == [
                "anonymousId", "context", "event", "integrations", "messageId", "properties", "timestamp", "type",
                "userId",
            ]
        )
    }

    @Test func trackInBatchBodyMatchesGoldenSampleAndCarriesSentAt() throws {
        let golden = GoldenSamples.trackAcceptOffer
        let encoder = SegmentEncoder()
        guard case .messages(let messages) = encoder.encode(SegmentTestSupport.event()) else {
            Issue.record("the sample event must be sendable")
            return
        }
        let sentAt = Timestamp(millisecondsSince1970: 1_604_624_000_123)
        let body = try JSONParser.parse(SegmentEncoder.body(messages: messages, sentAt: sentAt, writeKey: "key"))
        #expect(body["sentAt"] == "2020-11-06T00:53:20.123Z")
        #expect(body["writeKey"] == "key")
        let batch = try #require(body["batch"]?.arrayValue)
        #expect(batch.count == 1)
        #expect(batch.first?["properties"] == golden["properties"])
        #expect(batch.first?["timestamp"] == golden["originalTimestamp"])
        #expect(batch.first == encoder.track(SegmentTestSupport.event()))
    }

    @Test func identifyMatchesGoldenSample() throws {
        let golden = GoldenSamples.identify
        let event = SegmentTestSupport.event(type: .pageLoaded, id: "page-1")
        let messages = SegmentEncoder().messages(for: event)
        try #require(messages.count == 2)
        let identify = messages[0]
        #expect(identify["type"] == "identify")
        #expect(messages[1]["type"] == "track")
        #expect(messages[1]["messageId"] == "page-1")

        let traits = try #require(identify["traits"]?.objectValue)
        let goldenTraits = try #require(golden["traits"]?.objectValue)
        #expect(Set(traits.keys) == Set(goldenTraits.keys))
        for (key, value) in traits {
            let source = key.hasPrefix("cancel.") ? "field." + key : key
            #expect(value == event.properties[source], "trait \(key)")
        }
        #expect(identify["userId"] == golden["userId"])
        #expect(identify["anonymousId"] == golden["anonymousId"])
        #expect(identify["integrations"] == golden["integrations"])
        #expect(identify["context"] == self.library)
        #expect(identify["timestamp"] == .string(event.occurredAt.iso8601))
        #expect(identify["messageId"] == "identify-page-1")
    }

    @Test(arguments: RetentionEventType.allCases)
    func identifyModeDecidesWhichEventsGetAnIdentify(_ type: RetentionEventType) {
        let event = SegmentTestSupport.event(type: type, id: "id-\(type.rawValue)")
        let types = { (mode: SegmentSettings.IdentifyMode) in
            SegmentEncoder(identifyMode: mode).messages(for: event).compactMap { $0["type"]?.stringValue }
        }
        #expect(types(.pageLoaded) == (type == .pageLoaded ? ["identify", "track"] : ["track"]))
        #expect(types(.everyEvent) == ["identify", "track"])
        #expect(types(.never) == ["track"])
    }

    @Test func identifyMessageIDIsStableAndAtMost100Characters() {
        let short = SegmentEncoder.identifyMessageID(forEventID: "abc")
        #expect(short == "identify-abc")
        let longID = String(repeating: "a", count: 100)
        let long = SegmentEncoder.identifyMessageID(forEventID: longID)
        #expect(long.count <= 100)
        #expect(long.hasPrefix("identify-"))
        #expect(long == SegmentEncoder.identifyMessageID(forEventID: longID))
        #expect(long != SegmentEncoder.identifyMessageID(forEventID: String(repeating: "a", count: 99) + "b"))
        let edge = String(repeating: "b", count: 91)
        #expect(SegmentEncoder.identifyMessageID(forEventID: edge) == "identify-" + edge)
    }

    @Test func integrationsComeFromSettings() {
        let integrations: [String: JSONValue] = ["All": false, "Mixpanel": true]
        let encoder = SegmentEncoder(identifyMode: .everyEvent, integrations: integrations)
        for message in encoder.messages(for: SegmentTestSupport.event()) {
            #expect(message["integrations"] == .object(integrations))
        }
    }

    @Test func identitiesAreOmittedWhenAbsentAndNumbersAreText() {
        var properties = Fixtures.sampleProperties
        properties["field.cancel.account.internal_id"] = 12345
        properties["user_id"] = ""
        let track = SegmentEncoder().track(SegmentTestSupport.event(properties: properties))
        #expect(track["userId"] == "12345")
        #expect(track.objectValue?.keys.contains("anonymousId") == false)
        #expect(track["properties"]?["field.cancel.account.internal_id"] == 12345)
    }

    @Test func eventWithoutAnyIdentityIsUnsendable() {
        var properties = Fixtures.sampleProperties
        properties.removeValue(forKey: "field.cancel.account.internal_id")
        properties.removeValue(forKey: "user_id")
        let encoded = SegmentEncoder().encode(SegmentTestSupport.event(properties: properties))
        guard case .unsendable(let reason) = encoded else {
            Issue.record("expected unsendable, got \(encoded)")
            return
        }
        #expect(reason.code == "missing_identity")
    }

    @Test func messageOver32KBIsUnsendable() {
        let encoded = SegmentEncoder().encode(
            SegmentTestSupport.event(properties: SegmentTestSupport.paddedProperties(33_000))
        )
        guard case .unsendable(let reason) = encoded else {
            Issue.record("expected unsendable, got \(encoded)")
            return
        }
        #expect(reason.code == "event_too_large")
    }

    @Test func messageJustUnder32KBIsSendable() throws {
        let base = JSONWriter.serialize(
            SegmentEncoder().track(SegmentTestSupport.event(properties: SegmentTestSupport.paddedProperties(0)))
        )
        let padding = SegmentEncoder.maxMessageBytes - base.count
        let encoded = SegmentEncoder().encode(
            SegmentTestSupport.event(properties: SegmentTestSupport.paddedProperties(padding))
        )
        guard case .messages(let messages) = encoded else {
            Issue.record("expected messages, got \(encoded)")
            return
        }
        #expect(messages.map(\.count) == [SegmentEncoder.maxMessageBytes])
    }

    @Test func envelopeBytesMatchesAnEmptyBody() {
        let body = SegmentEncoder.body(messages: [], sentAt: Timestamp.now(), writeKey: "k\"ey")
        #expect(SegmentEncoder.envelopeBytes(writeKey: "k\"ey") == body.count)
        let two = SegmentEncoder.body(
            messages: [Array("{}".utf8), Array("{}".utf8)],
            sentAt: Timestamp.now(),
            writeKey: "k"
        )
        #expect(two.count == SegmentEncoder.envelopeBytes(writeKey: "k") + 5)
    }

    @Test func propertiesThatDoNotDecodeAreNeverSentAsAnEmptyObject() {
        let event = RetentionEvent(
            id: "broken",
            type: .pageLoaded,
            tenant: "acme",
            occurredAt: Timestamp(millisecondsSince1970: 0),
            receivedAt: Timestamp(millisecondsSince1970: 0),
            encodedProperties: Array(#"{"user_id":"KD21"#.utf8)
        )
        guard case .unsendable(let reason) = SegmentEncoder().encode(event) else {
            Issue.record("an event whose properties do not decode must not be encoded")
            return
        }
        #expect(reason.code == "unreadable_event")
    }

    /// Issue #14 item 4: `"é"` precomposed and decomposed are two keys, and Track carries both.
    @Test func trackCarriesKeysThatDifferOnlyInTheirBytes() throws {
        let text = #"{"user_id":"u1","\u00e9":1,"e\u0301":2}"#
        let event = RetentionEvent(
            id: "e1",
            type: .cancel,
            tenant: "acme",
            occurredAt: SegmentTestSupport.sampleOccurredAt,
            receivedAt: SegmentTestSupport.sampleOccurredAt,
            encodedProperties: Array(text.utf8)
        )
        guard case .messages(let messages) = SegmentEncoder().encode(event) else {
            Issue.record("the event must be sendable")
            return
        }
        let track = try #require(messages.last)
        #expect(try JSONParser.parse(track)["anonymousId"] == "u1")
        let members = try track.withUnsafeBytes { try JSONParser.objectMembers($0) }
        let properties = try #require(members.first { $0.name == "properties" })
        let names = try track.withUnsafeBytes { buffer in
            try JSONParser.objectMembers(UnsafeRawBufferPointer(rebasing: buffer[properties.value]))
        }.map { Array($0.name.utf8) }
        #expect(names == [Array("user_id".utf8), [0xC3, 0xA9], [0x65, 0xCC, 0x81]])
    }
}
