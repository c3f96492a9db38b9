import NIOCore
import Synchronization

/// Runs the store's reads on connections of their own, beside the writer's: the delivery
/// workers' reads on one connection per core (at least two, at most four), and the operators'
/// (the console, the API, reports) on one more, so a long console query never holds up a head
/// read. Reads that queue up together on a connection run in one read transaction.
///
/// A read on its own is a transaction of its own, and in WAL mode a transaction that finds the
/// log changed since the connection's last one drops the connection's whole page cache. With the
/// writer committing all the time, every read then fetches again every page it touches, the
/// upper levels of each b-tree included. Reads waiting together now share one transaction (one
/// snapshot, and the pages the first read fetched serve the others), and their callers hear once
/// the group is done: waking a caller's thread mid-group can take the reader's core, and the
/// reads after it would wait for it.
///
/// After a burst to thousands of tenants, the backlog left is read as thousands of small heads at
/// once; on one connection, one read after another, those reads were what the drain waited for
/// (about 100 µs each; docs/performance.md).
///
/// Every read sees every commit that finished before it was asked for: a group takes only the
/// reads asked for before it starts, and its snapshot is taken after that (a worker signalled
/// after an append finds the event). A read late in a group does not see commits made while the
/// group ran; it was asked for before them.
final class SQLiteReader: Sendable {
    /// Whose read it is, which decides the connections it may use.
    enum Purpose: Sendable {
        /// A delivery worker's: many, small, and on the path of every event.
        case delivery
        /// The console's, the API's, a report's: few, and some long.
        case `operator`
    }

    /// Runs a read on the connection (or fails it, when the connection cannot be used) and
    /// returns how to answer its caller.
    private typealias Read = @Sendable (Result<SQLiteConnection, StuckTransaction>) -> @Sendable () -> Void

    /// One connection and the reads waiting for it.
    private final class Lane: Sendable {
        struct Pending {
            var reads: [Read] = []
            /// A group is queued on the connection and has not taken the reads yet.
            var scheduled = false
            /// A group is running now.
            var running = false

            /// Reads asked of this connection and not run yet, a running group counting as one.
            var load: Int { self.reads.count + (self.running ? 1 : 0) }
        }

        let executor: SQLiteExecutor
        let pending = Mutex(Pending())

        init(executor: SQLiteExecutor) {
            self.executor = executor
        }
    }

    /// The thrown error when a connection is found inside a transaction it cannot end: its reads
    /// would see an old snapshot, so they fail instead.
    struct StuckTransaction: Error, CustomStringConvertible {
        let message: String
        var description: String { "a reading connection of the store is stuck in a transaction (\(self.message)); its reads fail until it ends" }
    }

    /// How many connections delivery reads with by default.
    static let defaultDeliveryConnections = min(4, max(2, System.coreCount))

    private let delivery: [Lane]
    private let operators: Lane

    /// Reads through `delivery` (at least one) for the workers and `operators` for the rest.
    init(delivery: [SQLiteExecutor], operators: SQLiteExecutor) {
        precondition(!delivery.isEmpty, "delivery reads need a connection")
        self.delivery = delivery.map(Lane.init)
        self.operators = Lane(executor: operators)
    }

    /// How many connections it reads with, all purposes together.
    var connectionCount: Int { self.delivery.count + 1 }

    /// Reads waiting for a group to take them (for tests).
    var waitingCount: Int {
        (self.delivery + [self.operators]).reduce(0) { count, lane in count + lane.pending.withLock { $0.reads.count } }
    }

    /// Runs `body` on a connection for `purpose`, in the next group of reads there, and returns
    /// its result.
    func run<T: Sendable>(for purpose: Purpose = .operator, _ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let read: Read = { usable in
                switch usable {
                case .success(let connection):
                    let result = Result { try body(connection) }
                    connection.resetUsedStatements()
                    return { continuation.resume(with: result) }
                case .failure(let stuck):
                    return { continuation.resume(throwing: stuck) }
                }
            }
            let lane = purpose == .delivery ? self.leastLoadedDeliveryLane() : self.operators
            let schedule = lane.pending.withLock { pending in
                pending.reads.append(read)
                if pending.scheduled { return false }
                pending.scheduled = true
                return true
            }
            if schedule { lane.executor.submit { connection in Self.runGroup(of: lane, on: connection) } }
        }
    }

    /// The delivery connection with the least to do (the first, of equals): an idle one while
    /// there is one, and otherwise the reads spread evenly.
    private func leastLoadedDeliveryLane() -> Lane {
        var best = self.delivery[0]
        var bestLoad = Int.max
        for lane in self.delivery {
            let load = lane.pending.withLock { $0.load }
            if load == 0 { return lane }
            if load < bestLoad {
                best = lane
                bestLoad = load
            }
        }
        return best
    }

    /// Runs every read waiting in `lane` now, more than one in one transaction, then answers
    /// their callers. Reads asked for meanwhile queue the next group.
    private static func runGroup(of lane: Lane, on connection: SQLiteConnection) {
        let reads = lane.pending.withLock { pending in
            defer {
                pending.reads = []
                pending.scheduled = false
                pending.running = true
            }
            return pending.reads
        }
        let answers: [@Sendable () -> Void]
        if let stuck = Self.endTransaction(on: connection) {
            // Reads here would see an old snapshot: they fail instead.
            answers = reads.map { read in read(.failure(stuck)) }
        } else {
            // A deferred BEGIN takes no lock; the snapshot is taken by the first read's first
            // step. A lone read needs none. If BEGIN fails, each read is its own transaction.
            if reads.count > 1 { try? connection.execute("BEGIN") }
            answers = reads.map { read in read(.success(connection)) }
            // Ended here; if it cannot be, the next group finds out and fails its reads.
            _ = Self.endTransaction(on: connection)
        }
        // Before answering: a caller's next read must find this connection free again.
        lane.pending.withLock { $0.running = false }
        for answer in answers { answer() }
    }

    /// Ends a transaction left open on `connection` (a group's, or one a failed read left):
    /// nil once it is outside any, or why it is not.
    private static func endTransaction(on connection: SQLiteConnection) -> StuckTransaction? {
        if connection.isAutocommit { return nil }
        // Committing a read transaction cannot lose anything; a failed read may have left the
        // transaction unable to commit, and then rolling back ends it.
        var failure = ""
        do {
            try connection.execute("COMMIT")
        } catch {
            failure = "COMMIT: \(error.message)"
            do {
                try connection.execute("ROLLBACK")
            } catch {
                failure += "; ROLLBACK: \(error.message)"
            }
        }
        return connection.isAutocommit ? nil : StuckTransaction(message: failure)
    }
}
