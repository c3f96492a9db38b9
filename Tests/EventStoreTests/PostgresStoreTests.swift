import EventStorePostgres
import Foundation
import Logging
import RouterCore
import RouterTesting
import Testing

/// What only the shared store does: several instances on one database.
@Suite(.enabled(if: PostgresHarness.isAvailable, "set ROUTER_TEST_POSTGRES_URL to run the PostgreSQL store tests"), .timeLimit(.minutes(2)))
struct PostgresStoreTests {
    let partition = PartitionKey(tenant: "acme", destination: "file")

    private func event(_ id: String) -> RetentionEvent {
        RetentionEvent(
            id: id,
            type: .cancel,
            tenant: "acme",
            occurredAt: Timestamp(millisecondsSince1970: 1),
            receivedAt: Timestamp(millisecondsSince1970: 2),
            properties: ["k": "v"]
        )
    }

    private func withDatabase(leaseDuration: Duration = .seconds(15), _ body: (PostgresStoreSettings) async throws -> Void) async throws {
        let url = try await PostgresHarness.createDatabase()
        let settings = PostgresStoreSettings(url: url, leaseDuration: leaseDuration, pollInterval: .milliseconds(50), maxConnections: 8)
        do {
            try await body(settings)
        } catch {
            await PostgresHarness.dropDatabase(url)
            throw error
        }
        await PostgresHarness.dropDatabase(url)
    }

    private func open(_ settings: PostgresStoreSettings, _ instance: String) async throws -> PostgresEventStore {
        try await PostgresEventStore(settings: settings, instanceID: instance, logger: Logger.quiet(), connectAttempts: 3)
    }

    @Test func instancesStartingTogetherMigrateOnce() async throws {
        try await self.withDatabase { settings in
            let stores = try await withThrowingTaskGroup(of: PostgresEventStore.self) { group in
                for index in 0..<4 { group.addTask { try await self.open(settings, "i\(index)") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(stores.count == 4)
            #expect(try await PostgresMigrator.status(of: stores[0]) == .init(applied: 4, latest: 4))
            for store in stores { await store.close() }
        }
    }

    @Test func aPartitionHasOneHolderUntilReleasedOrExpired() async throws {
        // Long enough that a's lease outlives the steps up to the release on a machine busy with
        // the rest of the suite (at 1 s, a CI run once saw it expire between two of them).
        try await self.withDatabase(leaseDuration: .seconds(4)) { settings in
            let a = try await self.open(settings, "a")
            let b = try await self.open(settings, "b")
            let other = PartitionKey(tenant: "acme", destination: "other")
            #expect(try await a.lease([self.partition]).held == [self.partition])
            #expect(try await b.lease([self.partition, other]).held == [other])
            // Renewing keeps it; the other instance still gets nothing.
            #expect(try await a.lease([self.partition]).held == [self.partition])
            #expect(try await b.lease([self.partition, other]).held == [other])
            // Released, and a leaves: b's fair share grows to both, taken at once.
            try await a.releaseLeases([self.partition], leaving: true)
            #expect(try await b.lease([self.partition, other]).held == [self.partition, other])
            #expect(try await a.lease([self.partition]).held == [])
            // Expired (b stops renewing): a takes it over once the lease duration has passed.
            #expect(try await eventually { try await a.lease([self.partition]).held == [self.partition] })
            await a.close()
            await b.close()
        }
    }

    @Test func eachLiveInstanceGetsAFairShare() async throws {
        try await self.withDatabase { settings in
            let partitions = Set((1...4).map { PartitionKey(tenant: "t\($0)", destination: "file") })
            let a = try await self.open(settings, "a")
            let first = try await a.lease(partitions)
            #expect(first == LeaseGrant(held: partitions, share: 4))
            let b = try await self.open(settings, "b")
            // b joins: the share halves; b waits until a hands some over.
            let waiting = try await b.lease(partitions)
            #expect(waiting.held == [] && waiting.share == 2)
            // It knows when the first of a's leases would run out, to ask again then.
            #expect(waiting.nextExpiry.map { $0 > .seconds(10) && $0 <= .seconds(15) } == true)
            let renewed = try await a.lease(partitions)
            #expect(renewed.share == 2)
            let handed = Set(renewed.held.sorted { $0.tenant < $1.tenant }.suffix(2))
            try await a.releaseLeases(handed, leaving: false)
            let taken = try await b.lease(partitions)
            #expect(taken.held == handed && taken.share == 2)
            let settled = try await a.lease(partitions)
            #expect(settled.held == partitions.subtracting(handed) && settled.share == 2)
            // At its full share a still knows when b's leases would run out: if b dies, a asks
            // again right then (its share grows as b's heartbeat goes).
            #expect(settled.nextExpiry.map { $0 > .seconds(10) && $0 <= .seconds(15) } == true)
            await a.close()
            await b.close()
        }
    }

    @Test func aCommitWithoutTheLeaseChangesNothing() async throws {
        try await self.withDatabase { settings in
            let a = try await self.open(settings, "a")
            let b = try await self.open(settings, "b")
            _ = try await a.append([self.event("x")], routes: [["file"]])
            #expect(try await a.lease([self.partition]).held == [self.partition])
            let head = try await b.head(of: self.partition, limit: 10)
            await #expect(throws: PartitionLeaseLost.self) {
                try await b.commit(DeliveryCommit(partition: self.partition, state: PartitionState(headFailures: 3), taken: head.map(\.sequence)))
            }
            #expect(try await a.head(of: self.partition, limit: 10).map(\.event.id) == ["x"])
            #expect(try await a.state(of: self.partition) == PartitionState())
            try await a.commit(DeliveryCommit(partition: self.partition, state: PartitionState(), taken: head.map(\.sequence)))
            #expect(try await a.head(of: self.partition, limit: 10).isEmpty)
            await a.close()
            await b.close()
        }
    }

    @Test func anIDSentToTwoInstancesAtOnceIsStoredOnce() async throws {
        try await self.withDatabase { settings in
            let a = try await self.open(settings, "a")
            let b = try await self.open(settings, "b")
            for round in 0..<20 {
                let id = "race-\(round)"
                async let first = a.append([self.event(id)], routes: [["file"]])
                async let second = b.append([self.event(id)], routes: [["file"]])
                let results = try await [first, second]
                #expect(results.filter { $0 == [true] }.count == 1, "exactly one instance stores \(id)")
            }
            #expect(try await a.head(of: self.partition, limit: 100).count == 20)
            await a.close()
            await b.close()
        }
    }

    @Test func anUnreachableDatabaseIsAClearError() async throws {
        let settings = PostgresStoreSettings(url: try PostgresURL(parsing: "postgres://router@127.0.0.1:1/router"))
        do {
            _ = try await PostgresEventStore(settings: settings, instanceID: "x", logger: Logger.quiet(), connectAttempts: 2)
            Issue.record("connecting to port 1 succeeded")
        } catch let error as PostgresStoreError {
            #expect("\(error)".contains("cannot reach PostgreSQL at postgres://router@127.0.0.1:1/router"))
        }
    }

    @Test func sslmodeRequireRefusesAServerWithoutTLS() async throws {
        // The test server has no TLS: asking for it must fail rather than fall back to plain text.
        let server = try #require(PostgresHarness.serverURL.map { try PostgresURL(parsing: $0) })
        var url = server
        url.tls = .require
        do {
            _ = try await PostgresEventStore(settings: PostgresStoreSettings(url: url), instanceID: "x", logger: Logger.quiet(), connectAttempts: 1)
            Issue.record("connected without TLS although sslmode=require")
        } catch let error as PostgresStoreError {
            #expect("\(error)".contains("sslUnsupported"), "\(error)")
        }
        // `prefer` falls back to plain text on the same server.
        try await self.withDatabase { settings in
            var preferring = settings
            preferring.url.tls = .prefer
            let store = try await PostgresEventStore(settings: preferring, instanceID: "x", logger: Logger.quiet(), connectAttempts: 1)
            await store.close()
        }
    }

    @Test func aStoreThatIsBehindIsNotMigratedWhenToldNotTo() async throws {
        try await self.withDatabase { settings in
            do {
                _ = try await PostgresEventStore(settings: settings, instanceID: "x", logger: Logger.quiet(), migrate: false, connectAttempts: 2)
                Issue.record("opened an unmigrated database")
            } catch let error as PostgresStoreError {
                #expect("\(error)".contains("retention-router migrate"))
            }
        }
    }
}
