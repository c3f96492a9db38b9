import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Testing

/// Two real servers on one PostgreSQL database, as behind a load balancer.
@Suite(.enabled(if: PostgresHarness.isAvailable, "set ROUTER_TEST_POSTGRES_URL to run the shared-store tests"), .timeLimit(.minutes(2)))
struct SharedStoreEndToEndTests {
    private static func configuration(_ database: PostgresURL, lease: Duration, poll: Duration) -> ServerConfiguration {
        ServerConfiguration(
            allowPrivateAddresses: true,
            store: .postgres(PostgresStoreSettings(url: database, leaseDuration: lease, pollInterval: poll, maxConnections: 6))
        )
    }

    private static func start(
        _ database: PostgresURL,
        name: String,
        lease: Duration = .seconds(30),
        poll: Duration = .milliseconds(50),
        tenants: [String] = ["acme"]
    ) async throws -> TestServer {
        let directory = try TemporaryDirectory()
        for tenant in tenants {
            try directory.write(ServerHarness.fileTenant(tenant), to: "config/tenants/\(tenant).json")
        }
        return try await TestServer(
            directory: directory,
            registry: ServerHarness.registry,
            configuration: Self.configuration(database, lease: lease, poll: poll),
            instanceID: name
        )
    }

    /// Stops the servers and removes their folders.
    private static func stop(_ servers: TestServer...) async throws {
        for server in servers {
            try await server.stop()
            server.directory.remove()
        }
    }

    private static func gauge(_ name: String, _ server: TestServer) async throws -> Double {
        let text = String(decoding: try await TestClient.send(.GET, server.baseURL + "/metrics").body, as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    @Test func eventsSentToEitherInstanceAreDeliveredOnceByTheLeaseHolder() async throws {
        let database = try await PostgresHarness.createDatabase()
        defer { Task { await PostgresHarness.dropDatabase(database) } }
        let a = try await Self.start(database, name: "a")
        let b = try await Self.start(database, name: "b")
        let ids = (0..<40).map { "shared-\($0)" }
        for (index, id) in ids.enumerated() {
            let server = index.isMultiple(of: 2) ? a : b
            #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: id)).status == 202)
        }
        // The same id through the other instance is a duplicate, not a second delivery.
        let again = try await TestClient.ingest(b, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: ids[0]))
        #expect(again.json?["duplicates"] == 1)
        #expect(try await eventually {
            (ServerHarness.fileIDs(a.directory) + ServerHarness.fileIDs(b.directory)).sorted() == ids.sorted()
        })
        // One instance holds the partition, so one file has them all, and says so in /metrics.
        let holder = ServerHarness.fileIDs(a.directory).isEmpty ? b : a
        #expect(ServerHarness.fileIDs(holder.directory).count == ids.count)
        #expect(try await eventually {
            let held = try await Self.gauge("router_partitions_held", a) + Self.gauge("router_partitions_held", b)
            let delivering = try await Self.gauge("router_partitions_delivering", holder)
            return held == 1 && delivering == 1
        })
        try await Self.stop(a, b)
    }

    @Test func theHolderIsWokenByTheOtherInstancesIngestWithoutPolling() async throws {
        let database = try await PostgresHarness.createDatabase()
        defer { Task { await PostgresHarness.dropDatabase(database) } }
        // Polling every minute: only the LISTEN/NOTIFY announcement can deliver within seconds.
        let a = try await Self.start(database, name: "a", poll: .seconds(60))
        #expect(try await TestClient.ingest(a, tenant: "acme", body: Fixtures.eventBody(type: .save, id: "first")).status == 202)
        #expect(try await eventually { ServerHarness.fileIDs(a.directory) == ["first"] })
        let b = try await Self.start(database, name: "b", poll: .seconds(60))
        // b has no partition (a holds the only one); what b takes, a must deliver. Once b has
        // asked for its leases (it reports what it holds), it is a live instance.
        #expect(try await eventually {
            let scrape = String(decoding: try await TestClient.send(.GET, b.baseURL + "/metrics").body, as: UTF8.self)
            return scrape.contains("router_partitions_held 0")
        })
        #expect(try await TestClient.ingest(b, tenant: "acme", body: Fixtures.eventBody(type: .save, id: "via-b")).status == 202)
        #expect(try await eventually(timeout: .seconds(5)) { ServerHarness.fileIDs(a.directory) == ["first", "via-b"] })
        try await Self.stop(a, b)
    }

    @Test func aGracefulStopHandsThePartitionOverAtOnce() async throws {
        let database = try await PostgresHarness.createDatabase()
        defer { Task { await PostgresHarness.dropDatabase(database) } }
        // A lease far longer than the test: only the release on shutdown can explain a takeover.
        let first = try await Self.start(database, name: "first", lease: .seconds(120))
        #expect(try await TestClient.ingest(first, tenant: "acme", body: Fixtures.eventBody(type: .save, id: "before")).status == 202)
        #expect(try await eventually { ServerHarness.fileIDs(first.directory) == ["before"] })
        let second = try await Self.start(database, name: "second", lease: .seconds(120))
        #expect(try await TestClient.ingest(second, tenant: "acme", body: Fixtures.eventBody(type: .save, id: "during")).status == 202)
        #expect(try await eventually { ServerHarness.fileIDs(first.directory) == ["before", "during"] })
        try await first.stop()
        #expect(try await TestClient.ingest(second, tenant: "acme", body: Fixtures.eventBody(type: .save, id: "after")).status == 202)
        #expect(try await eventually(timeout: .seconds(10)) { ServerHarness.fileIDs(second.directory) == ["after"] })
        try await second.stop()
        first.directory.remove()
        second.directory.remove()
    }

    @Test func aJoiningInstanceGetsItsFairShareOfPartitions() async throws {
        let database = try await PostgresHarness.createDatabase()
        defer { Task { await PostgresHarness.dropDatabase(database) } }
        let tenants = ["t1", "t2", "t3", "t4"]
        let a = try await Self.start(database, name: "a", tenants: tenants)
        let b = try await Self.start(database, name: "b", tenants: tenants)
        let deliveringAtB = { Set(tenants.filter { !ServerHarness.fileIDs(b.directory, tenant: $0).isEmpty }) }
        var sent: [String: [String]] = [:]
        // a took all four first; once b counts as live, a hands two over.
        let deadline = ContinuousClock.now + .seconds(15)
        var round = 0
        while deliveringAtB().count < 2, ContinuousClock.now < deadline {
            round += 1
            for tenant in tenants {
                let id = "\(tenant)-\(round)"
                #expect(try await TestClient.ingest(a, tenant: tenant, body: Fixtures.eventBody(type: .save, id: id)).status == 202)
                sent[tenant, default: []].append(id)
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(deliveringAtB().count == 2, "b delivers two of the four tenants")
        let expected = sent
        // Nothing lost in the hand-over: every event is in exactly one of the two files.
        #expect(try await eventually {
            tenants.allSatisfy { tenant in
                (ServerHarness.fileIDs(a.directory, tenant: tenant) + ServerHarness.fileIDs(b.directory, tenant: tenant)).sorted() == (expected[tenant] ?? []).sorted()
            }
        })
        try await Self.stop(a, b)
    }
}

/// What ingest answers when the shared database goes away under a running server.
@Suite(.enabled(if: PostgresHarness.isAvailable, "set ROUTER_TEST_POSTGRES_URL to run the shared-store tests"), .timeLimit(.minutes(2)))
struct SharedStoreOutageTests {
    @Test func aDatabaseThatGoesAwayGets503NotAHangOrA500() async throws {
        let database = try await PostgresHarness.createDatabase()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(
            directory: directory,
            registry: ServerHarness.registry,
            configuration: ServerConfiguration(
                allowPrivateAddresses: true,
                store: .postgres(PostgresStoreSettings(url: database, pollInterval: .milliseconds(50), maxConnections: 4, operationTimeout: .seconds(1)))
            )
        )
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .save, id: "kept")).status == 202)
        await PostgresHarness.dropDatabase(database)
        let started = ContinuousClock.now
        let response = try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .save, id: "refused"))
        #expect(response.status == 503)
        #expect(response.errorCode == "store_unavailable")
        #expect(response.header("retry-after") == "5")
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(try await TestClient.send(.GET, "\(server.baseURL)/healthz").status == 200)
        try await server.stop()
    }
}
