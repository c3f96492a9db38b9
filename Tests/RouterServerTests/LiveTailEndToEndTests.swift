import Foundation
import NIOHTTP1
import RouterConsole
import RouterCore
import RouterTesting
import Synchronization
import Testing

/// The console's live tail through the real server: an event accepted after the stream opened
/// arrives on it, a burst is capped with a count of what was not shown, a resumed stream
/// continues after the last event it showed, and an open stream never holds up shutdown.
@Suite(.timeLimit(.minutes(2)))
struct LiveTailEndToEndTests {
    typealias Roles = ConsoleRolesEndToEndTests

    static func start() async throws -> (TemporaryDirectory, TestServer) {
        let directory = try TemporaryDirectory()
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: Roles.configuration, environment: Roles.environment)
        return (directory, server)
    }

    /// The `data:` objects of the stream's `event: NAME` messages in `text`.
    static func messages(_ name: String, in text: String) -> [JSONValue] {
        text.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n")
            guard lines.contains("event: \(name)"), let data = lines.first(where: { $0.hasPrefix("data: ") }) else { return nil }
            return try? JSONParser.parse(Array(data.dropFirst(6).utf8))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anEventSentAfterTheStreamOpenedArrivesAndABurstIsCapped() async throws {
        let (directory, server) = try await Self.start()
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "before")).status == 202)
        let viewer = try await ConsoleSessionClient(baseURL: server.baseURL, token: Roles.viewerToken)
        let page = String(decoding: try await viewer.get("/console/tenants/acme/tail").body, as: UTF8.self)
        #expect(page.contains("data-stream=\"/console/tenants/acme/tail/stream\""))

        let received = Mutex("")
        let sender = Task {
            // Once the stream is open (its first line came), one event; once that one is shown,
            // a burst of 120 in one batch: one read shows the newest 50 and counts 70.
            #expect(try await eventually { !received.withLock { $0 }.isEmpty })
            _ = try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .save, id: "after-open"))
            #expect(try await eventually { received.withLock { $0 }.contains("after-open") })
            let burst = (0..<120).map { Fixtures.event(type: .pageLoaded, id: "burst-\($0)") }
            _ = try await TestClient.ingest(server, tenant: "acme", body: Fixtures.batchBody(burst))
        }
        let status = try await viewer.stream("/console/tenants/acme/tail/stream") { chunk in
            let text = received.withLock { $0 += chunk; return $0 }
            return Self.messages("skipped", in: text).isEmpty
        }
        try await sender.value
        #expect(status == 200)
        let text = received.withLock { $0 }
        let arrivals = Self.messages("arrival", in: text)
        let ids = arrivals.compactMap { $0["id"]?.stringValue }
        #expect(!ids.contains("before"), "the tail starts at the newest event when it opens")
        #expect(ids.first == "after-open")
        #expect(arrivals.first?["type"] == "save")
        #expect(arrivals.first?["properties"] == nil, "no property goes over the tail")
        let burst = ids.filter { $0.hasPrefix("burst-") }
        #expect(burst.count == LiveTail.maxEventsPerSecond)
        #expect(burst.first == "burst-70" && burst.last == "burst-119", "the newest are shown, oldest first: \(burst.prefix(2))…")
        #expect(Self.messages("skipped", in: text).first?["count"] == 70)

        // Resuming after the last event shown continues from there (as a paused browser does).
        guard case .number(let sequence)? = arrivals.last?["sequence"], let last = sequence.int64Value else {
            Issue.record("the last arrival has no sequence")
            return
        }
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "while-paused")).status == 202)
        let resumed = Mutex("")
        _ = try await viewer.stream("/console/tenants/acme/tail/stream?after=\(last)") { chunk in
            let text = resumed.withLock { $0 += chunk; return $0 }
            return Self.messages("arrival", in: text).isEmpty
        }
        #expect(Self.messages("arrival", in: resumed.withLock { $0 }).map { $0["id"] } == ["while-paused"])
        // Without a session the stream is not served.
        let anonymous = try await TestClient.send(.GET, server.baseURL + "/console/tenants/acme/tail/stream")
        #expect(anonymous.status == 303 || anonymous.status == 200 && !String(decoding: anonymous.body, as: UTF8.self).contains("event: arrival"))
        try await viewer.shutdown()
        try await server.stop()
        directory.remove()
    }

    @Test(.timeLimit(.minutes(1)))
    func anOpenTailDoesNotHoldUpShutdown() async throws {
        let (directory, server) = try await Self.start()
        let viewer = try await ConsoleSessionClient(baseURL: server.baseURL, token: Roles.viewerToken)
        let opened = Mutex(false)
        let reader = Task {
            try await viewer.stream("/console/tenants/acme/tail/stream") { _ in
                opened.withLock { $0 = true }
                return true
            }
        }
        #expect(try await eventually { opened.withLock { $0 } })
        let clock = ContinuousClock()
        let started = clock.now
        try await server.stop()
        #expect(clock.now - started < .seconds(10), "the stream ends when the server begins to stop (without that, not for 5 minutes)")
        _ = try? await reader.value
        try await viewer.shutdown()
        directory.remove()
    }
}
