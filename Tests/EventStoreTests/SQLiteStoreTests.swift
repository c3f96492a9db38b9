import EventStoreSQLite
import Foundation
import Logging
import RouterCore
import RouterTesting
import Testing

/// What only the SQLite store does: its file, and migrating older files.
struct SQLiteStoreTests {
    let partition = PartitionKey(tenant: "acme", destination: "file")

    @Test func anUnwritableDirectoryIsAClearError() {
        #expect(throws: (any Error).self) {
            _ = try SQLiteEventStore(directory: "/proc/no-such-dir/data", logger: Logger(label: "test"))
        }
    }

    @Test func aVersionOneStoreIsMigrated() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let connection = try await Self.makeVersionOneStore(at: directory.appending("events.sqlite3"))
        #expect(connection)
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger(label: "test"))
        #expect(try await store.head(of: self.partition, limit: 10).map(\.event.id) == ["old"])
        // The migration fills in where each old event was routed, so it stays visible and unpruned.
        let status = try await store.status(tenant: "acme", id: "old")
        #expect(status?.destinations.map(\.id) == ["file"])
        #expect(status?.destinations.first?.state == .pending)
    }

    /// Writes a store in the version 1 layout with the sqlite3 shell's SQL, without the store type.
    static func makeVersionOneStore(at path: String) async throws -> Bool {
        let sql = """
            CREATE TABLE events (seq INTEGER PRIMARY KEY, tenant TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL,
                occurred_at INTEGER NOT NULL, received_at INTEGER NOT NULL, properties BLOB NOT NULL, UNIQUE (tenant, id));
            CREATE TABLE routes (tenant TEXT NOT NULL, destination TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (tenant, destination, seq)) WITHOUT ROWID;
            CREATE TABLE partitions (tenant TEXT NOT NULL, destination TEXT NOT NULL, cursor INTEGER NOT NULL DEFAULT 0,
                head_failures INTEGER NOT NULL DEFAULT 0, failing_since INTEGER, PRIMARY KEY (tenant, destination)) WITHOUT ROWID;
            CREATE TABLE retries (tenant TEXT NOT NULL, destination TEXT NOT NULL, seq INTEGER NOT NULL, failures INTEGER NOT NULL,
                next_attempt_at INTEGER NOT NULL, first_failure_at INTEGER NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, status INTEGER,
                PRIMARY KEY (tenant, destination, seq)) WITHOUT ROWID;
            CREATE TABLE dead_letters (tenant TEXT NOT NULL, destination TEXT NOT NULL, seq INTEGER NOT NULL, event_id TEXT NOT NULL,
                attempts INTEGER NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, status INTEGER, failed_at INTEGER NOT NULL,
                PRIMARY KEY (tenant, destination, seq)) WITHOUT ROWID;
            INSERT INTO events VALUES (1, 'acme', 'old', 'cancel', 1, 1, CAST('{}' AS BLOB));
            INSERT INTO routes VALUES ('acme', 'file', 1);
            PRAGMA user_version = 1;
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", path, sql]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
