@testable import EventStoreSQLite
import Foundation
import Logging
import RouterCore
import RouterTesting
import Testing

/// What only the SQLite store does: its file, and migrating older files.
@Suite(.timeLimit(.minutes(2)))
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
        let head = try await store.head(of: self.partition, limit: 10)
        #expect(head.map(\.event.id) == ["old"])
        // Rows from before compression are text of any size, read as they are.
        #expect(head.first?.event.properties["note"] == .string(String(repeating: "x", count: 600)))
        // The migration fills in where each old event was routed, so it stays visible and unpruned.
        let status = try await store.status(tenant: "acme", id: "old")
        #expect(status?.destinations.map(\.id) == ["file"])
        #expect(status?.destinations.first?.state == .pending)
    }

    @Test func aMigrationThatFailsLeavesTheStoreAtTheVersionItHad() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(try await Self.makeVersionOneStore(at: directory.appending("events.sqlite3")))
        // Version 6 adds `partitions.backlog`: one already there makes that step fail, after
        // versions 2 to 5 would have been applied.
        try SQLiteHarness.execute("ALTER TABLE partitions ADD COLUMN backlog INTEGER;", inStoreAt: directory.path)
        let error = #expect(throws: SQLiteError.self) {
            _ = try SQLiteEventStore(directory: directory.path, logger: Logger(label: "test"))
        }
        #expect(error?.message.contains("from schema version 1 to version \(SQLiteSchema.version) (left as it was)") == true, "\(String(describing: error))")
        #expect(error?.message.contains("duplicate column name: backlog") == true, "\(String(describing: error))")
        // Nothing of the earlier steps stayed: still version 1, without their tables.
        let connection = try SQLiteConnection(path: directory.appending("events.sqlite3"))
        let version = try connection.statement("PRAGMA user_version")
        #expect(try version.step())
        #expect(version.int64(0) == 1)
        let tables = try connection.statement("SELECT count(*) FROM sqlite_master WHERE name IN ('attempts', 'audit', 'delivery_minutes')")
        #expect(try tables.step())
        #expect(tables.int64(0) == 0)
        // Once the obstacle is gone, the same store migrates.
        try SQLiteHarness.execute("ALTER TABLE partitions DROP COLUMN backlog;", inStoreAt: directory.path)
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger(label: "test"))
        #expect(try await store.head(of: self.partition, limit: 10).map(\.event.id) == ["old"])
    }

    @Test func eventsTakeLessDiskThanTheirTextAndTheByteBudgetCountsTheText() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger(label: "test"))
        let events = (0..<200).map { Fixtures.storedEvent(id: "e\($0)", sequence: 0).event }
        _ = try await store.append(events, routes: events.map { _ in [self.partition.destination] })
        let size = events[0].propertiesJSON.count
        // Stored as text, each 2.2 KB row would fill a 4 KB page of its own.
        let onDisk = try [store.path, store.path + "-wal"].reduce(0) { total, path in
            total + ((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
        #expect(onDisk < events.count * size, "\(onDisk) bytes on disk for \(events.count) events of \(size) bytes")
        let head = try await store.head(of: self.partition, limit: 10, maxBytes: size * 2)
        #expect(head.map(\.event.id) == ["e0", "e1"])
        #expect(head.map(\.event.propertiesJSON) == events.prefix(2).map(\.propertiesJSON))
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
            INSERT INTO events VALUES (1, 'acme', 'old', 'cancel', 1, 1, CAST('{"note":"' || printf('%.600c', 'x') || '"}' AS BLOB));
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
