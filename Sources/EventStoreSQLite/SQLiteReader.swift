import NIOCore
import Synchronization

/// Runs the store's reads on its reading connections: one per core (at least two, so a long
/// console query never holds up the delivery workers' reads), and on each, the reads that queue
/// up together in one read transaction.
///
/// A read on its own is a transaction of its own, and in WAL mode a transaction that finds the
/// log changed since the connection's last one drops the connection's whole page cache. With
/// the writer committing all the time, every read then fetches again every page it touches,
/// the upper levels of each b-tree included. Reads waiting together now share one transaction:
/// one snapshot, and the pages the first read fetched serve the others.
///
/// After a burst to thousands of tenants, the backlog left is read as thousands of small heads
/// at once; on one connection, one read after another, the reads were what the drain waited
/// for (about 100 µs each; docs/performance.md).
///
/// No read sees less than it would alone: a group takes only the reads asked for before it
/// starts, and its snapshot is taken after that, so each read sees every commit that finished
/// before it was asked for (a worker signalled after an append finds the event).

final class SQLiteReader: Sendable {
    /// Runs a read on the connection and returns how to answer its caller.
    private typealias Read = @Sendable (SQLiteConnection) -> @Sendable () -> Void

    /// One connection and the reads waiting for it.
    private final class Lane: Sendable {
        struct Pending {
            var reads: [Read] = []
            /// A group is queued on the connection and has not taken the reads yet.
            var scheduled = false
            /// The reads of the group running now.
            var running = 0

            /// Reads asked of this connection and not answered yet.
            var load: Int { self.reads.count + self.running }
        }

        let executor: SQLiteExecutor
        let pending = Mutex(Pending())

        init(executor: SQLiteExecutor) {
            self.executor = executor
        }
    }

    /// How many connections a store reads with by default.
    static let defaultConnections = min(4, max(2, System.coreCount))

    private let lanes: [Lane]

    /// Reads through `executors`, one per connection (at least one).
    init(executors: [SQLiteExecutor]) {
        precondition(!executors.isEmpty, "a reader needs a connection")
        self.lanes = executors.map(Lane.init)
    }

    /// How many connections it reads with.
    var connectionCount: Int { self.lanes.count }

    /// Reads waiting for a group to take them (for tests).
    var waitingCount: Int { self.lanes.reduce(0) { count, lane in count + lane.pending.withLock { $0.reads.count } } }

    /// Runs `body` on a connection, in the next group of reads there, and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let read: Read = { connection in
                let result = Result { try body(connection) }
                connection.resetUsedStatements()
                return { continuation.resume(with: result) }
            }
            let lane = self.leastLoaded()
            let schedule = lane.pending.withLock { pending in
                pending.reads.append(read)
                if pending.scheduled { return false }
                pending.scheduled = true
                return true
            }
            if schedule { lane.executor.submit { connection in Self.runGroup(of: lane, on: connection) } }
        }
    }

    /// The connection with the fewest reads to answer (the first, of equals): an idle one while
    /// there is one, so a long query holds up only the reads that came while every connection was
    /// busy, and those are spread evenly.
    private func leastLoaded() -> Lane {
        var best = self.lanes[0]
        var bestLoad = Int.max
        for lane in self.lanes {
            let load = lane.pending.withLock { $0.load }
            if load == 0 { return lane }
            if load < bestLoad {
                best = lane
                bestLoad = load
            }
        }
        return best
    }

    /// Runs every read waiting in `lane` now, more than one in one transaction, and only then
    /// answers their callers: waking a caller's thread can take this one's core, and the reads
    /// after it would wait for it. Reads asked for meanwhile queue the next group.
    private static func runGroup(of lane: Lane, on connection: SQLiteConnection) {
        let reads = lane.pending.withLock { pending in
            defer {
                pending.running = pending.reads.count
                pending.reads = []
                pending.scheduled = false
            }
            return pending.reads
        }
        defer { lane.pending.withLock { $0.running = 0 } }
        guard reads.count > 1 else {
            reads.first?(connection)()
            return
        }
        // A deferred BEGIN takes no lock; the snapshot is taken by the first read's first step.
        // If it fails, each read runs on its own, as a lone read does.
        let grouped = (try? connection.execute("BEGIN")) != nil
        let answers = reads.map { read in read(connection) }
        // A read that failed badly (I/O, out of memory) may have ended the transaction already.
        if grouped, !connection.isAutocommit, (try? connection.execute("COMMIT")) == nil {
            try? connection.execute("ROLLBACK")
        }
        for answer in answers { answer() }
    }
}
