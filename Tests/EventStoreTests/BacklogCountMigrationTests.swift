import EventStorePostgres
import Foundation
import Logging
import RouterCore
import RouterTesting
import Testing

@testable import EventStoreSQLite

/// Stores from before the backlog counts get them from the rows they hold when they migrate.
@Suite(.timeLimit(.minutes(2)))
struct BacklogCountMigrationTests {
    /// Delivers part of a partition, retries and parks some, through the store's own API.
    static func fill(_ store: any EventStore) async throws {
        let events = (0..<12).map { index in
            RetentionEvent(
                id: "e\(index)",
                type: .cancel,
                tenant: "acme",
                occurredAt: Timestamp(millisecondsSince1970: 1),
                receivedAt: Timestamp(millisecondsSince1970: 2),
                properties: ["n": .string("\(index)")]
            )
        }
        _ = try await store.append(events, routes: events.indices.map { $0 % 3 == 0 ? ["x", "y"] : ["x"] })
        let x = PartitionKey(tenant: "acme", destination: "x")
        let head = try await store.head(of: x, limit: 6)
        let at = Timestamp(millisecondsSince1970: 1_700_000_000_000)
        let reason = FailureReason(code: "http_500", message: "down", status: 500)
        try await store.commit(
            DeliveryCommit(
                partition: x,
                state: PartitionState(),
                taken: head.map(\.sequence),
                retries: [.init(sequence: head[1].sequence, failures: 1, nextAttempt: at, firstFailure: at, reason: reason)],
                deadLetters: head[2..<4].map { .init(sequence: $0.sequence, eventID: $0.event.id, attempts: 1, reason: reason, failedAt: at) }
            )
        )
    }

    @Test func aVersionFiveSQLiteStoreCountsItsRowsWhenItMigrates() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let store = try SQLiteEventStore(directory: directory.path, logger: Logger.quiet())
            try await Self.fill(store)
        }
        // Back to version 5: no counts, no triggers; and a row changed since, behind its back.
        try SQLiteHarness.execute(
            """
            DROP TRIGGER partitions_cursor_moved; DROP TRIGGER routes_removed; DROP TRIGGER retries_added;
            DROP TRIGGER retries_removed; DROP TRIGGER dead_letters_added; DROP TRIGGER dead_letters_removed;
            ALTER TABLE partitions DROP COLUMN backlog; ALTER TABLE partitions DROP COLUMN dead_letters;
            INSERT INTO dead_letters SELECT tenant, 'y', seq, 'e0', 1, 'c', 'm', NULL, 5 FROM routes WHERE destination = 'y' LIMIT 1;
            PRAGMA user_version = 5;
            """,
            inStoreAt: directory.path
        )
        let migrated = try SQLiteEventStore(directory: directory.path, logger: Logger.quiet())
        let counted = try await migrated.statistics().partitions
        #expect(counted[PartitionKey(tenant: "acme", destination: "x")] == .init(backlog: 7, deadLetters: 2))
        #expect(counted[PartitionKey(tenant: "acme", destination: "y")] == .init(backlog: 4, deadLetters: 1))
        #expect(try SQLiteHarness.recount(inStoreAt: directory.path) == counted)
        // And it keeps them from there on.
        try await Self.fill(migrated)
        #expect(try await migrated.statistics().partitions == SQLiteHarness.recount(inStoreAt: directory.path))
    }

    @Test(.enabled(if: PostgresHarness.isAvailable, "set ROUTER_TEST_POSTGRES_URL to run the PostgreSQL store tests"))
    func aVersionThreePostgresStoreCountsItsRowsWhenItMigrates() async throws {
        let url = try await PostgresHarness.createDatabase()
        let settings = PostgresStoreSettings(url: url, pollInterval: .milliseconds(50), maxConnections: 4)
        do {
            let store = try await PostgresEventStore(settings: settings, instanceID: "a", logger: Logger.quiet(), connectAttempts: 3)
            _ = try await store.lease([PartitionKey(tenant: "acme", destination: "x")])
            try await Self.fill(store)
            await store.close()
            // Back to version 3: no counts, no triggers.
            for statement in [
                "DROP TABLE retention_router.partition_counts",
                "DROP TABLE retention_router.partition_count_changes",
                "DROP FUNCTION retention_router.count_partition_rows() CASCADE",
                "DELETE FROM retention_router.schema_migrations WHERE version = 4",
                "INSERT INTO retention_router.dead_letters SELECT tenant, 'y', seq, 'e0', 1, 'c', 'm', NULL, 5 FROM retention_router.pending WHERE destination = 'y' LIMIT 1",
            ] {
                try await PostgresHarness.execute(statement, in: url)
            }
            let migrated = try await PostgresEventStore(settings: settings, instanceID: "a", logger: Logger.quiet(), connectAttempts: 3)
            let counted = try await migrated.statistics().partitions
            #expect(counted[PartitionKey(tenant: "acme", destination: "x")] == .init(backlog: 7, deadLetters: 2))
            #expect(counted[PartitionKey(tenant: "acme", destination: "y")] == .init(backlog: 4, deadLetters: 1))
            #expect(try await PostgresHarness.recount(url) == counted)
            await migrated.close()
        } catch {
            await PostgresHarness.dropDatabase(url)
            throw error
        }
        await PostgresHarness.dropDatabase(url)
    }
}
