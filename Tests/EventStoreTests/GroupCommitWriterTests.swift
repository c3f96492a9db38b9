import Synchronization
@testable import EventStoreSQLite
import Foundation
import RouterCore
import RouterTesting
import Testing

/// Group commit: writes waiting together share a transaction, one that fails does not take the
/// others down with it, and a stuck writer answers its waiters at their deadline.
@Suite(.timeLimit(.minutes(2)))
struct GroupCommitWriterTests {
    /// A writer over a one-column table `t` whose values must be at least 0.
    final class Fixture: Sendable {
        let directory: TemporaryDirectory
        let writer: GroupCommitWriter
        /// The values whose write has begun.
        let begun = Mutex<Set<Int64>>([])

        init() throws {
            self.directory = try TemporaryDirectory()
            let connection = try SQLiteConnection(path: self.directory.appending("writer.sqlite3"))
            try connection.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER NOT NULL CHECK (v >= 0));")
            self.writer = GroupCommitWriter(executor: SQLiteExecutor(label: "test.writer", connection: connection))
        }

        deinit { self.directory.remove() }

        /// Inserts `value` after holding the writer for `delay` microseconds.
        func insert(_ value: Int64, holdFor delay: UInt32 = 0, within limit: Duration? = nil) async throws {
            try await self.writer.write(within: limit) { connection in
                self.begun.withLock { _ = $0.insert(value) }
                usleep(delay)
                let statement = try connection.statement("INSERT INTO t (v) VALUES (?1)")
                statement.bind(1, value)
                try statement.run()
            }
        }

        func values() async throws -> [Int64] {
            try await self.writer.write { connection in
                let statement = try connection.statement("SELECT v FROM t ORDER BY v")
                var values: [Int64] = []
                while try statement.step() { values.append(statement.int64(0)) }
                return values
            }
        }
    }

    @Test func aFailingWriteIsRefusedAloneAndTheOthersInItsGroupCommit() async throws {
        let fixture = try Fixture()
        // The first write holds the writer while the next three queue behind it, so those three
        // are committed as one group.
        let first = Task { try await fixture.insert(0, holdFor: 300_000) }
        #expect(try await eventually { fixture.begun.withLock { $0.contains(0) } })
        let good1 = Task { try await fixture.insert(1) }
        let bad = Task { try await fixture.insert(-1) }
        let good2 = Task { try await fixture.insert(2) }
        try await first.value
        try await good1.value
        try await good2.value
        await #expect(throws: SQLiteError.self) { try await bad.value }
        #expect(try await fixture.values() == [0, 1, 2])
    }

    @Test func aStuckWriterAnswersWaitersAtTheirDeadlineAndSkipsThoseNotStarted() async throws {
        let fixture = try Fixture()
        let limit: Duration = .milliseconds(200)
        let started = ContinuousClock.now
        // A write that holds the writer for ten seconds, like a disk that stopped answering.
        let stuck = Task { try await fixture.insert(1, holdFor: 10_000_000, within: limit) }
        #expect(try await eventually { fixture.begun.withLock { $0.contains(1) } })
        let queued = Task { try await fixture.insert(2, within: limit) }
        await #expect(throws: DeadlineExceeded.self) { try await stuck.value }
        await #expect(throws: DeadlineExceeded.self) { try await queued.value }
        // Due at 0.2 s; the margin is for a test run that keeps every thread busy (4.7 s seen
        // with the whole suite starting at once on two cores).
        #expect(ContinuousClock.now - started < .seconds(8), "both answered before the writer came back")
        // Once the writer is back, new writes go through; the queued one, whose caller was told
        // it failed, was never run. The stuck one had started, so it committed.
        try await fixture.writer.write { _ in }
        try await fixture.insert(3, within: limit)
        #expect(try await fixture.values() == [1, 3])
    }
}

extension GroupCommitWriterTests {
    @Test(.timeLimit(.minutes(1)))
    func boundedWritesPastTheCapAreRefusedAtOnceAndOthersStillQueue() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let connection = try SQLiteConnection(path: directory.appending("writer.sqlite3"))
        try connection.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER NOT NULL);")
        let writer = GroupCommitWriter(executor: SQLiteExecutor(label: "test.bounded", connection: connection), maxQueuedWrites: 4)
        // One write holds the writer (on its own thread) until the test lets it go.
        let hold = Mutex((started: false, released: false))
        let holding = Task {
            try await writer.write { _ in
                hold.withLock { $0.started = true }
                while !hold.withLock({ $0.released }) { usleep(1000) }
            }
        }
        #expect(try await eventually { hold.withLock { $0.started } })
        let queued = (0..<4).map { value in
            Task { try await writer.write(bounded: true) { connection in try connection.execute("INSERT INTO t (v) VALUES (\(value))") } }
        }
        #expect(try await eventually { writer.queuedCount == 4 })
        await #expect(throws: GroupCommitWriter.Overloaded.self) {
            try await writer.write(bounded: true) { connection in try connection.execute("INSERT INTO t (v) VALUES (99)") }
        }
        // A delivery commit is never refused.
        let commit = Task { try await writer.write { connection in try connection.execute("INSERT INTO t (v) VALUES (100)") } }
        hold.withLock { $0.released = true }
        try await holding.value
        for task in queued { try await task.value }
        try await commit.value
    }
}
