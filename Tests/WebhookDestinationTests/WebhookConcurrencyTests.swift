import Foundation
import RouterCore
import RouterTesting
import Signing
import Testing

/// A webhook's `concurrency` is what really goes out at once, past AsyncHTTPClient's default of
/// 8 connections per host.
@Suite(.timeLimit(.minutes(2)))
struct WebhookConcurrencyTests {
    @Test(.timeLimit(.minutes(2)))
    func aWebhookWithConcurrency32Has32RequestsInFlight() async throws {
        let setup = try await WebhookEndToEndTests.start(extra: ["concurrency": 32, "timeout": 30])
        // Every request is held for 4 s, so all that are sent are in flight together.
        setup.receiver.script(Array(repeating: .hang(.seconds(4)), count: 64))
        let events = (0..<64).map { Fixtures.event(type: .cancel, id: "c\($0)") }
        #expect(try await TestClient.ingest(setup.server, tenant: "acme", body: Fixtures.batchBody(events)).status == 202)
        #expect(try await eventually { setup.receiver.received.count >= 32 })
        try await Task.sleep(for: .milliseconds(500))
        #expect(setup.receiver.received.count == 32, "exactly the configured concurrency is in flight")
        #expect(try await eventually(timeout: .seconds(30)) { setup.receiver.received.count >= 64 })
        try await setup.stop()
    }
}
