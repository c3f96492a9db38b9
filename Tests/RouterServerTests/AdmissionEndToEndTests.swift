import EventStoreSQLite
import Foundation
import RouterCore
import RouterTesting
import Testing

/// Ingest refuses what it cannot keep, through the real server: a store at its size limit
/// (`store_full`) and a tenant at its backlog limit (`backlog_full`), each a 503 with
/// `Retry-After`, nothing stored.
@Suite(.timeLimit(.minutes(2)))
struct AdmissionEndToEndTests {
    @Test(.timeLimit(.minutes(1)))
    func aStoreAtItsSizeLimitRefusesIngestWith503StoreFull() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        var configuration = ServerConfiguration(allowPrivateAddresses: true)
        // Any store is larger than one byte: every ingest must be refused once the monitor has looked.
        configuration.maxStoreBytes = 1
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: configuration)
        #expect(try await eventually {
            try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "probe-\(UUID().uuidString)")).errorCode == "store_full"
        })
        let refused = try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "refused"))
        #expect(refused.status == 503)
        #expect(refused.errorCode == "store_full")
        #expect(refused.header("retry-after") == "30")
        try await server.stop()
        #expect(try await ServerHarness.store(directory).status(tenant: "acme", id: "refused") == nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func aTenantAtItsBacklogLimitIsRefusedWhileOthersAreNot() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let name = "backlog-\(UUID().uuidString)"
        let stuck = Fixtures.tenantJSON(
            name: "acme",
            destinations: [["id": "scripted", "type": "scripted", "settings": ["name": .string(name), "failures": 1_000_000]]]
        )
        try directory.write(stuck, to: "config/tenants/acme.json")
        try directory.write(ServerHarness.fileTenant("globex"), to: "config/tenants/globex.json")
        var configuration = ServerConfiguration(allowPrivateAddresses: true)
        configuration.maxBacklogEventsPerTenant = 3
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: configuration)
        let events = (0..<3).map { Fixtures.event(type: .cancel, id: "b\($0)") }
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.batchBody(events)).status == 202)
        // The monitor's statistics are at most a couple of seconds old: probe until it has seen them.
        #expect(try await eventually {
            try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "probe-\(UUID().uuidString)")).errorCode == "backlog_full"
        })
        let refused = try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "over"))
        #expect(refused.status == 503)
        #expect(refused.header("retry-after") == "30")
        // Another tenant is not held back by acme's backlog.
        #expect(try await TestClient.ingest(server, tenant: "globex", body: Fixtures.eventBody(type: .cancel, id: "fine")).status == 202)
        try await server.stop()
        #expect(try await ServerHarness.store(directory).status(tenant: "acme", id: "over") == nil)
    }
}
