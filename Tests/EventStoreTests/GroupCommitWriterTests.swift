@testable import EventStoreSQLite
import Foundation
import RouterCore
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

extension GroupCommitWriterTests {
    @Test func aStuckWriterAnswersWaitersAtTheirDeadlineAndSkipsThoseNotStarted() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let connection = try SQLiteConnection(path: directory.appending("writer.sqlite3"))
        try connection.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER NOT NULL);")
        let writer = GroupCommitWriter(executor: SQLiteExecutor(label: "test.writer", connection: connection))
        @Sendable func insert(_ value: Int64, holdFor delay: UInt32 = 0) async throws {
            try await writer.write(within: .milliseconds(200)) { connection in
                usleep(delay)
                let statement = try connection.statement("INSERT INTO t (v) VALUES (?1)")
                statement.bind(1, value)
                try statement.run()
            }
        }
        let started = ContinuousClock.now
        // A write that holds the writer for three seconds, like a disk that stopped answering.
        let stuck = Task { try await insert(1, holdFor: 3_000_000) }
        try await Task.sleep(for: .milliseconds(50))
        let queued = Task { try await insert(2) }
        await #expect(throws: DeadlineExceeded.self) { try await stuck.value }
        await #expect(throws: DeadlineExceeded.self) { try await queued.value }
        // Due at 0.2 s; the margin is for a test run that keeps every thread busy.
        #expect(ContinuousClock.now - started < .milliseconds(2500), "both answered before the writer came back")
        // Once the writer is back, new writes go through; the queued one, whose caller was told
        // it failed, was never run. The stuck one had started, so it committed.
        try await writer.write { _ in }
        try await insert(3)
        let values = try await writer.write { connection in
            let statement = try connection.statement("SELECT v FROM t ORDER BY v")
            var values: [Int64] = []
            while try statement.step() { values.append(statement.int64(0)) }
            return values
        }
        #expect(values == [1, 3])
    }
}
