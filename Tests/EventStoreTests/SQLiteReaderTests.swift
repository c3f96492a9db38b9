import Foundation
import RouterTesting
import Synchronization
import Testing

@testable import EventStoreSQLite

/// The store's reads: reads that wait together share one transaction without missing a commit
/// made before they were asked for, one failing read fails alone, a transaction a read left open
/// is ended, and a long read holds up neither the delivery reads on another connection nor
/// (from the operators' connection) any delivery read.
@Suite(.timeLimit(.minutes(1)))
struct SQLiteReaderTests {
    /// A database with a table `t`, a writer connection, and a reader with `delivery`
    /// connections for delivery reads and one for the operators'.
    final class Fixture: Sendable {
        let directory: TemporaryDirectory
        let writer: GroupCommitWriter
        let reader: SQLiteReader
        /// Reads told to wait (by name) until the test lets them go.
        let gates = Mutex<[String: Bool]>([:])

        init(delivery: Int = 1) throws {
            self.directory = try TemporaryDirectory()
            let path = self.directory.appending("reader.sqlite3")
            let connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER NOT NULL);")
            self.writer = GroupCommitWriter(executor: SQLiteExecutor(label: "test.writer", connection: connection))
            self.reader = SQLiteReader(
                delivery: try (0..<delivery).map { index in
                    SQLiteExecutor(label: "test.delivery.\(index)", connection: try SQLiteConnection(path: path))
                },
                operators: SQLiteExecutor(label: "test.operators", connection: try SQLiteConnection(path: path))
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
        func read(_ purpose: SQLiteReader.Purpose = .operator, waitingAt gate: String? = nil) async throws -> Seen {
            if let gate { self.gates.withLock { $0[gate] = false } }
            return try await self.reader.run(for: purpose) { connection in
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
        defer { ["hold", "first"].forEach(fixture.open) }
        try await fixture.insert(1)
        // A read holds the connection while two more queue behind it, with a commit between
        // them: the second must see it, and so (one snapshot) does the first, though it was
        // asked for before the commit.
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
        // No reader keeps a snapshot: the writer checkpoints the whole log.
        let busy = try await fixture.writer.outsideTransaction { connection in
            let statement = try connection.statement("PRAGMA wal_checkpoint(TRUNCATE)")
            _ = try statement.step()
            return statement.int64(0)
        }
        #expect(busy == 0)
    }

    @Test func aFailingReadFailsAloneAndATransactionLeftOpenIsEnded() async throws {
        let fixture = try Fixture()
        defer { fixture.open("hold") }
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
        // A lone read that opens a transaction and keeps a snapshot: the reader ends it, so the
        // next read sees a commit made since.
        try await fixture.reader.run { connection in
            try connection.execute("BEGIN")
            _ = try connection.statement("SELECT count(*) FROM t").step()
        }
        try await fixture.insert(8)
        #expect(try await fixture.read() == .init(values: [7, 8], inTransaction: false))
    }

    @Test func aLongOperatorReadHoldsUpNoDeliveryRead() async throws {
        let fixture = try Fixture()
        defer { fixture.open("console") }
        try await fixture.insert(5)
        // Like a console query over a million events: it holds its connection until let go.
        let console = Task { try await fixture.read(.operator, waitingAt: "console") }
        #expect(try await eventually { fixture.isHeld("console") })
        for _ in 0..<3 {
            #expect(try await fixture.read(.delivery) == .init(values: [5], inTransaction: false))
        }
        fixture.open("console")
        #expect(try await console.value.values == [5])
    }

    @Test func aLongDeliveryReadLeavesTheOtherConnectionsToTheRest() async throws {
        let fixture = try Fixture(delivery: 2)
        #expect(fixture.reader.connectionCount == 3)
        defer { fixture.open("long") }
        try await fixture.insert(6)
        let long = Task { try await fixture.read(.delivery, waitingAt: "long") }
        #expect(try await eventually { fixture.isHeld("long") })
        // Every read asked meanwhile goes to the idle connection, each one after the one before
        // has been answered (taking turns would queue every other one behind the long read).
        for _ in 0..<5 {
            #expect(try await fixture.read(.delivery) == .init(values: [6], inTransaction: false))
        }
        fixture.open("long")
        #expect(try await long.value.values == [6])
    }
}
