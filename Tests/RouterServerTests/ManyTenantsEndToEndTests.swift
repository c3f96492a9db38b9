import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Testing

/// Hundreds of tenants, each with its own file destination, through the real server: every
/// acknowledged event lands in its own tenant's file (the file destinations share their fsyncs),
/// a reload that changes one file keeps every other tenant as it was, and quiet workers park.
struct ManyTenantsEndToEndTests {
    static let tenants = 300

    private func name(_ index: Int) -> String { "t\(index)" }

    @Test(.timeLimit(.minutes(2)))
    func everyTenantsEventsLandInItsOwnFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for index in 0..<Self.tenants {
            try directory.write(ServerHarness.fileTenant(self.name(index)), to: "config/tenants/\(self.name(index)).json")
        }
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry)
        // Three rounds over every tenant, 16 requests in flight at a time.
        let sent = (0..<3).flatMap { round in (0..<Self.tenants).map { (tenant: self.name($0), id: "r\(round)-\(self.name($0))") } }
        var statuses: [Int] = []
        try await withThrowingTaskGroup(of: Int.self) { group in
            var next = 0
            func start() {
                guard next < sent.count else { return }
                let (tenant, id) = sent[next]
                next += 1
                group.addTask { try await TestClient.ingest(server, tenant: tenant, body: Fixtures.eventBody(type: .cancel, id: id)).status }
            }
            for _ in 0..<16 { start() }
            while let status = try await group.next() {
                statuses.append(status)
                start()
            }
        }
        #expect(statuses.count == sent.count)
        #expect(statuses.allSatisfy { $0 == 202 })
        let complete = try await eventually(timeout: .seconds(60)) {
            (0..<Self.tenants).allSatisfy { ServerHarness.fileIDs(directory, tenant: self.name($0)).count == 3 }
        }
        #expect(complete)
        for index in 0..<Self.tenants {
            let name = self.name(index)
            // In its own file, once, in acceptance order.
            #expect(ServerHarness.fileIDs(directory, tenant: name) == ["r0-\(name)", "r1-\(name)", "r2-\(name)"])
        }
        try await server.stop()
    }

    @Test(.timeLimit(.minutes(2)))
    func aReloadRebuildsOnlyTheChangedTenantAndKeepsDelivering() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for index in 0..<Self.tenants {
            try directory.write(ServerHarness.fileTenant(self.name(index)), to: "config/tenants/\(self.name(index)).json")
        }
        let token = "many-tenants-admin"
        let configuration = ServerConfiguration(allowPrivateAddresses: true, adminToken: .inline(token))
        let server = try await TestServer(
            directory: directory,
            registry: ServerHarness.registry,
            configuration: configuration
        )
        // One tenant moves its file; every other file stays byte for byte the same.
        let moved = Fixtures.tenantJSON(
            name: "t7",
            destinations: [["id": "archive", "type": "file", "settings": ["path": "data/{tenant}/moved.ndjson"]]]
        )
        try directory.write(moved, to: "config/tenants/t7.json")
        let reload = try await TestClient.send(.POST, "\(server.baseURL)/v1/admin/reload", headers: [("authorization", "Bearer \(token)")])
        #expect(reload.status == 200)
        #expect(reload.json?["destinations"]?["changed"]?.arrayValue?.count == 1)
        #expect(reload.json?["destinations"]?["unchanged"]?.arrayValue?.count == Self.tenants - 1)
        #expect(try await TestClient.ingest(server, tenant: "t7", body: Fixtures.eventBody(type: .cancel, id: "after-move")).status == 202)
        #expect(try await TestClient.ingest(server, tenant: "t8", body: Fixtures.eventBody(type: .cancel, id: "unchanged")).status == 202)
        #expect(
            try await eventually {
                FileManager.default.fileExists(atPath: directory.appending("data/t7/moved.ndjson"))
                    && ServerHarness.fileIDs(directory, tenant: "t8") == ["unchanged"]
            }
        )
        try await server.stop()
    }
}
