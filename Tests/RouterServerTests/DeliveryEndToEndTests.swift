import EventStoreSQLite
import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Testing

/// Retries, dead letters, isolation and restarts through the real server.
@Suite(.timeLimit(.minutes(2)))
struct DeliveryEndToEndTests {
    private func scriptedTenant(_ name: String, recorder: String, failures: Int, failure: String = "retry") -> String {
        Fixtures.tenantJSON(
            name: "acme",
            destinations: [
                ["id": "scripted", "type": "scripted", "settings": ["name": .string(recorder), "failures": .number(JSONNumber(Int64(failures))), "failure": .string(failure)]],
                ["id": "archive", "type": "file", "settings": ["path": "data/{tenant}/events.ndjson"]],
            ]
        )
    }

    @Test func aDestinationThatFailsTwiceThenSucceedsDeliversOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let name = "flaky-\(UUID().uuidString)"
        try directory.write(self.scriptedTenant("acme", recorder: name, failures: 2), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry)
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "retry-me")).status == 202)
        let recorder = ScriptedDestination.recorder(named: name)
        #expect(try await eventually { recorder.deliveredIDs == ["retry-me"] })
        // The healthy file sink of the same tenant was not held up by the failing one.
        #expect(ServerHarness.fileIDs(directory) == ["retry-me"])
        #expect(recorder.calls.first?.first?.attempt == 3)
        try await Task.sleep(for: .milliseconds(200))
        #expect(recorder.deliveredIDs == ["retry-me"])
        try await server.stop()
    }

    @Test func aRejectedEventBecomesADeadLetterWithItsReason() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let name = "reject-\(UUID().uuidString)"
        try directory.write(self.scriptedTenant("acme", recorder: name, failures: 1, failure: "reject"), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry)
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "doomed")).status == 202)
        let recorder = ScriptedDestination.recorder(named: name)
        // The failing call takes "doomed" alone; "fine" comes after it.
        #expect(try await eventually { recorder.failedCalls == 1 })
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "fine")).status == 202)
        #expect(try await eventually { recorder.deliveredIDs.contains("fine") })
        try await server.stop()
        let dead = try await ServerHarness.store(directory).deadLetters(tenant: "acme", destination: "scripted", limit: 10)
        #expect(dead.map(\.eventID) == ["doomed"])
        #expect(dead.first?.reason.code == "scripted_failure")
        #expect(dead.first?.reason.status == 503)
        #expect(!recorder.deliveredIDs.contains("doomed"))
    }

    @Test func eventsAcceptedBeforeARestartAreDeliveredAfterIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let name = "restart-\(UUID().uuidString)"
        try directory.write(self.scriptedTenant("acme", recorder: name, failures: 1_000_000), to: "config/tenants/acme.json")
        let first = try await TestServer(directory: directory, registry: ServerHarness.registry)
        let ids = (0..<20).map { "r\($0)" }
        for id in ids {
            #expect(try await TestClient.ingest(first, tenant: "acme", body: Fixtures.eventBody(type: .deflect, id: id)).status == 202)
        }
        try await first.stop()
        let recorder = ScriptedDestination.recorder(named: name)
        #expect(recorder.deliveredIDs.isEmpty)
        recorder.fail(next: 0)
        let second = try await TestServer(directory: directory, registry: ServerHarness.registry)
        #expect(try await eventually { recorder.deliveredIDs == ids })
        #expect(try await eventually { ServerHarness.fileIDs(directory) == ids })
        try await second.stop()
    }

    @Test func aDamagedRowBecomesAnUnreadableDeadLetterAndDeliveryGoesOn() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let name = "damaged-\(UUID().uuidString)"
        try directory.write(self.scriptedTenant("acme", recorder: name, failures: 1_000_000), to: "config/tenants/acme.json")
        let first = try await TestServer(directory: directory, registry: ServerHarness.registry)
        for id in ["before", "damaged", "after"] {
            #expect(try await TestClient.ingest(first, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: id)).status == 202)
        }
        try await first.stop()
        // The row's bytes change behind the store's back: truncated properties text.
        try SQLiteHarness.damageProperties(inStoreAt: directory.appending("data"), tenant: "acme", id: "damaged", with: Array(#"{"user_id":"KD21"#.utf8))
        let recorder = ScriptedDestination.recorder(named: name)
        recorder.fail(next: 0)
        let second = try await TestServer(directory: directory, registry: ServerHarness.registry)
        #expect(try await eventually { recorder.deliveredIDs == ["before", "after"] })
        try await second.stop()
        // Never handed to the destination, not even emptier: a dead letter with the reason.
        #expect(!recorder.calls.flatMap { $0 }.contains { $0.event.id == "damaged" })
        let dead = try await ServerHarness.store(directory).deadLetters(tenant: "acme", destination: "scripted", limit: 10)
        #expect(dead.map(\.eventID) == ["damaged"])
        #expect(dead.first?.reason.code == "unreadable_event")
        // The file sink had delivered all three before the damage, and sends nothing again.
        #expect(ServerHarness.fileIDs(directory) == ["before", "damaged", "after"])
    }
}
