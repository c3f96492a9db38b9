import EventStoreSQLite
import Logging
import RouterCore
import RouterTesting
import SegmentDestination
import Testing

/// The real server (ingest, store, delivery workers) delivering to the fake Segment receiver.
@Suite(.timeLimit(.minutes(2)))
struct SegmentEndToEndTests {
    private static var registry: DestinationRegistry {
        var registry = DestinationRegistry()
        registry.register(SegmentDestinationFactory.self)
        return registry
    }

    /// Writes the `acme` tenant with one Segment destination pointed at `receiver`, using short
    /// retry delays so failures resolve within the test.
    private static func writeTenant(in directory: TemporaryDirectory, receiver: FakeSegmentReceiver) throws {
        let settings: JSONValue = [
            "writeKey": .string(SegmentTestSupport.writeKey),
            "endpoint": .string(receiver.url),
            "timeout": 5,
            "retry": ["initialDelayMs": 50, "maxDelayMs": 200],
        ]
        let tenant = Fixtures.tenantJSON(
            name: "acme",
            destinations: [["id": "segment", "type": "segment", "settings": settings]]
        )
        try directory.write(tenant, to: "config/tenants/acme.json")
    }

    /// Runs `body` with a fake receiver and a server over a fresh folder; stops and removes all.
    private static func withServer(
        _ body: (TestServer, FakeSegmentReceiver, TemporaryDirectory) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await SegmentTestSupport.withReceiver { receiver in
            try Self.writeTenant(in: directory, receiver: receiver)
            let server = try await TestServer(directory: directory, registry: Self.registry)
            do {
                try await body(server, receiver, directory)
                try await server.stop()
            } catch {
                try? await server.stop()
                throw error
            }
        }
    }

    private static func ingest(_ server: TestServer, _ events: [(RetentionEventType, String)]) async throws {
        let body = Fixtures.batchBody(events.map { Fixtures.event(type: $0.0, id: $0.1) })
        let response = try await TestClient.ingest(server, tenant: "acme", body: body)
        #expect(response.status == 202)
    }

    @Test func pageLoadedThenAcceptOfferArriveAsIdentifyTrackTrack() async throws {
        try await Self.withServer { server, receiver, _ in
            try await Self.ingest(server, [(.pageLoaded, "page-1"), (.acceptOffer, "offer-1")])
            #expect(try await eventually { receiver.messages.count >= 3 })
            #expect(receiver.messageIDs == ["identify-page-1", "page-1", "offer-1"])
            let messages = receiver.messages
            #expect(messages.compactMap { $0["type"]?.stringValue } == ["identify", "track", "track"])
            #expect(messages.compactMap { $0["event"]?.stringValue } == ["page_loaded", "accept_offer"])
            #expect(messages.allSatisfy { $0["userId"] == "9f827f6" && $0["anonymousId"] == "KD21akKyAZ" })
            #expect(messages.allSatisfy { $0["timestamp"] == "2020-11-06T00:53:10.886Z" })
        }
    }

    /// Issue #14 item 4: `"é"` precomposed and decomposed are two keys from ingest through the
    /// store to Segment, and arrive as sent.
    @Test func keysThatDifferOnlyInTheirBytesReachSegmentAsSent() async throws {
        try await Self.withServer { server, receiver, _ in
            let properties = #"{"user_id":"u1","\u00e9":1,"e\u0301":2}"#
            let body = #"{"event":"cancel","messageId":"keys-1","properties":"# + properties + "}"
            let response = try await TestClient.ingest(server, tenant: "acme", body: Array(body.utf8))
            #expect(response.status == 202)
            let arrived = try await eventually { receiver.trackMessageIDs == ["keys-1"] }
            #expect(arrived)
            let expected = #""properties":"# + properties
            let sent = receiver.requests.map { String(decoding: $0.body, as: UTF8.self) }
            #expect(sent.contains { text in text.contains(expected) }, "\(sent)")
        }
    }

    @Test func outageDelaysButLosesNothing() async throws {
        try await Self.withServer { server, receiver, _ in
            receiver.respond(.serverError)
            let ids = ["out-1", "out-2", "out-3"]
            try await Self.ingest(server, ids.map { (.cancel, $0) })
            #expect(try await eventually { receiver.requests.count >= 3 })
            #expect(receiver.messages.isEmpty)
            receiver.respond(.accept)
            #expect(try await eventually { receiver.trackMessageIDs.count >= ids.count })
            #expect(receiver.trackMessageIDs == ids)
        }
    }

    @Test func rateLimitPausesForRetryAfterThenResumes() async throws {
        try await Self.withServer { server, receiver, _ in
            receiver.respond(.rateLimited(retryAfter: "1"), times: 1)
            try await Self.ingest(server, [(.save, "limited-1")])
            #expect(try await eventually { receiver.trackMessageIDs == ["limited-1"] })
            let requests = receiver.requests
            try #require(requests.count == 2)
            #expect(requests[0].status == 429)
            #expect(requests[1].receivedAt - requests[0].receivedAt >= .milliseconds(950))
            #expect(requests[1].header("x-retry-count") == "1")
        }
    }

    @Test func badRequestBecomesADeadLetterAndDeliveryMovesOn() async throws {
        try await Self.withServer { server, receiver, directory in
            receiver.respond(.badRequest, times: 1)
            try await Self.ingest(server, [(.cancel, "bad-1")])
            #expect(try await eventually { receiver.requests.first?.status == 400 })
            try await Self.ingest(server, [(.cancel, "good-1")])
            #expect(try await eventually { receiver.trackMessageIDs == ["good-1"] })
            try await server.stop()

            let store = try SQLiteEventStore(
                directory: directory.appending("data"),
                logger: Logger(label: "dead-letters")
            )
            let deadLetters = try await store.deadLetters(tenant: "acme", destination: "segment", limit: 10)
            #expect(deadLetters.map(\.eventID) == ["bad-1"])
            #expect(deadLetters.first?.reason.status == 400)
            #expect(deadLetters.first?.reason.code == "http_400")
        }
    }

    @Test func restartDuringAnOutageLosesNoEvents() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await SegmentTestSupport.withReceiver { receiver in
            try Self.writeTenant(in: directory, receiver: receiver)
            receiver.respond(.serverError)
            let ids = ["restart-1", "restart-2"]
            let first = try await TestServer(directory: directory, registry: Self.registry)
            do {
                try await Self.ingest(first, ids.map { (.deflect, $0) })
                #expect(try await eventually { receiver.requests.count >= 2 })
                try await first.stop()
            } catch {
                try? await first.stop()
                throw error
            }
            #expect(receiver.messages.isEmpty)

            let second = try await TestServer(directory: directory, registry: Self.registry)
            do {
                receiver.respond(.accept)
                #expect(try await eventually { Set(receiver.trackMessageIDs).isSuperset(of: ids) })
                #expect(receiver.trackMessageIDs == ids)
                try await second.stop()
            } catch {
                try? await second.stop()
                throw error
            }
        }
    }
}
