@testable import EventStoreSQLite
import Foundation
import RouterTesting
import Testing

/// Group commit: writes waiting together share a transaction, and one that fails does not take
/// the others down with it.
struct GroupCommitWriterTests {
    @Test func aFailingWriteIsRefusedAloneAndTheOthersInItsGroupCommit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let connection = try SQLiteConnection(path: directory.appending("writer.sqlite3"))
        try connection.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER NOT NULL CHECK (v >= 0));")
        let writer = GroupCommitWriter(executor: SQLiteExecutor(label: "test.writer", connection: connection))
        @Sendable func insert(_ value: Int64, holdFor delay: UInt32 = 0) async throws {
            try await writer.write { connection in
                usleep(delay)
                let statement = try connection.statement("INSERT INTO t (v) VALUES (?1)")
                statement.bind(1, value)
                try statement.run()
            }
        }
        // The first write holds the writer while the next three queue behind it, so those three
        // are committed as one group.
        let first = Task { try await insert(0, holdFor: 300_000) }
        try await Task.sleep(for: .milliseconds(100))
        let good1 = Task { try await insert(1) }
        let bad = Task { try await insert(-1) }
        let good2 = Task { try await insert(2) }
        try await first.value
        try await good1.value
        try await good2.value
        await #expect(throws: SQLiteError.self) { try await bad.value }
        let values = try await writer.write { connection in
            let statement = try connection.statement("SELECT v FROM t ORDER BY v")
            var values: [Int64] = []
            while try statement.step() { values.append(statement.int64(0)) }
            return values
        }
        #expect(values == [0, 1, 2])
    }
}
