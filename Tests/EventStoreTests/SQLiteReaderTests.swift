import Foundation
import RouterTesting
import Synchronization
import Testing

@testable import EventStoreSQLite

/// The store's reads: reads that wait together share one transaction without ever seeing less
/// than they would alone, one failing read fails alone, and a long read on one connection does
/// not hold up reads on the others.
@Suite(.timeLimit(.minutes(1)))
struct SQLiteReaderTests {
    /// A database with a table `t`, a writer connection, and a reader over `connections`
    /// connections of its own.
    final class Fixture: Sendable {
        let directory: TemporaryDirectory
        let writer: GroupCommitWriter
        let reader: SQLiteReader
        /// Reads told to wait (by name) until the test lets them go.
        let gates = Mutex<[String: Bool]>([:])

        init(connections: Int = 1) throws {
            self.directory = try TemporaryDirectory()
            let path = self.directory.appending("reader.sqlite3")
            let connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER NOT NULL);")
            self.writer = GroupCommitWriter(executor: SQLiteExecutor(label: "test.writer", connection: connection))
            self.reader = SQLiteReader(
                executors: try (0..<connections).map { index in
                    SQLiteExecutor(label: "test.reader.\(index)", connection: try SQLiteConnection(path: path))
                }
            )
        }

        deinit { self.directory.remove() }

        func insert(_ value: Int64) async throws {
            try await self.writer.write { connection in try connection.execute("INSERT INTO t (v) VALUES (\(value))") }
        }

        /// What a read saw: the values of `t`, and whether it ran inside a transaction.
        struct Seen: Sendable, Equatable {
            let values: [Int64]
            let inTransaction: Bool
        }

        /// Reads `t`; with a `gate`, the read then waits (holding its connection, and its
        /// group's transaction) until `open`.
        func read(waitingAt gate: String? = nil) async throws -> Seen {
            if let gate { self.gates.withLock { $0[gate] = false } }
            return try await self.reader.run { connection in
                let statement = try connection.statement("SELECT v FROM t ORDER BY v")
                var values: [Int64] = []
                while try statement.step() { values.append(statement.int64(0)) }
                let seen = Seen(values: values, inTransaction: !connection.isAutocommit)
                if let gate {
                    self.gates.withLock { $0[gate] = true }
                    while self.gates.withLock({ $0[gate] != nil }) { usleep(1000) }
                }
                return seen
            }
        }

        /// True once the read waiting at `gate` holds its connection.
        func isHeld(_ gate: String) -> Bool { self.gates.withLock { $0[gate] == true } }

        func open(_ gate: String) { _ = self.gates.withLock { $0.removeValue(forKey: gate) } }
    }

    @Test func readsWaitingTogetherShareATransactionAndSeeEveryCommitBeforeTheyWereAsked() async throws {
        let fixture = try Fixture()
        try await fixture.insert(1)
        // A read holds the only connection while two more queue behind it, with a commit
        // between them: the second must see it, and so (one snapshot) does the first, though
        // it was asked for before the commit.
        let holding = Task { try await fixture.read(waitingAt: "hold") }
        #expect(try await eventually { fixture.isHeld("hold") })
        let first = Task { try await fixture.read(waitingAt: "first") }
        #expect(try await eventually { fixture.reader.waitingCount == 1 })
        try await fixture.insert(2)
        let second = Task { try await fixture.read() }
        #expect(try await eventually { fixture.reader.waitingCount == 2 })
        fixture.open("hold")
        #expect(try await holding.value == .init(values: [1], inTransaction: false))
        // The group [first, second] has begun and taken its snapshot. The second read runs
        // after a commit made now, yet sees the group's snapshot: it was asked for before. A read
        // asked for now waits for the next group and sees the commit.
        #expect(try await eventually { fixture.isHeld("first") })
        try await fixture.insert(3)
        let later = Task { try await fixture.read() }
        #expect(try await eventually { fixture.reader.waitingCount == 1 })
        fixture.open("first")
        #expect(try await first.value == .init(values: [1, 2], inTransaction: true))
        #expect(try await second.value == .init(values: [1, 2], inTransaction: true))
        #expect(try await later.value == .init(values: [1, 2, 3], inTransaction: false))
        // The group's transaction ended: the writer can still checkpoint the whole log.
        try await fixture.writer.outsideTransaction { connection in try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    @Test func aFailingReadFailsAloneInItsGroup() async throws {
        let fixture = try Fixture()
        try await fixture.insert(7)
        let holding = Task { try await fixture.read(waitingAt: "hold") }
        #expect(try await eventually { fixture.isHeld("hold") })
        let failing = Task {
            try await fixture.reader.run { connection in _ = try connection.statement("SELECT nothing FROM nowhere") }
        }
        let good = Task { try await fixture.read() }
        #expect(try await eventually { fixture.reader.waitingCount == 2 })
        fixture.open("hold")
        _ = try await holding.value
        await #expect(throws: SQLiteError.self) { try await failing.value }
        #expect(try await good.value == .init(values: [7], inTransaction: true))
        #expect(try await fixture.read() == .init(values: [7], inTransaction: false))
    }

    @Test func aLongReadOnOneConnectionDoesNotHoldUpTheOthers() async throws {
        let fixture = try Fixture(connections: 2)
        #expect(fixture.reader.connectionCount == 2)
        try await fixture.insert(5)
        // Like a console query over a million events: it holds its connection until let go.
        let long = Task { try await fixture.read(waitingAt: "long") }
        #expect(try await eventually { fixture.isHeld("long") })
        // Every read asked meanwhile goes to the idle connection (taking turns would queue every
        // other one behind the long read).
        for _ in 0..<3 {
            #expect(try await fixture.read() == .init(values: [5], inTransaction: false))
        }
        fixture.open("long")
        #expect(try await long.value.values == [5])
    }
}
