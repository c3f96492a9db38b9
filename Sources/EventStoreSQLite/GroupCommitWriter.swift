import RouterCore
import Synchronization

/// Serializes writes and commits every write that is waiting in one transaction, so many
/// concurrent ingest requests share one fsync instead of paying one each.
///
/// A write that fails is rolled back alone and its caller gets the error, while the others
/// commit (they are run again, each in its own savepoint). A caller resumes only after the
/// transaction that holds its write has committed (durably, with `synchronous=FULL`).
final class GroupCommitWriter: Sendable {
    private struct Job: Sendable {
        let work: @Sendable (SQLiteConnection) throws -> Void
        let complete: @Sendable ((any Error)?) -> Void
        /// True when nobody waits for this write any more (its deadline passed first).
        let abandoned: @Sendable () -> Bool
    }

    private struct State {
        var jobs: [Job] = []
        var draining = false
    }

    private let executor: SQLiteExecutor
    private let state = Mutex(State())
    /// The most writes that may wait at once for a `bounded` write to be queued (ingest);
    /// past it, the write is refused at once instead of growing the queue without end.
    let maxQueuedWrites: Int

    /// The writes waiting when a bounded write was refused.
    struct Overloaded: Error, CustomStringConvertible {
        let queued: Int
        var description: String { "the store's writer has \(self.queued) writes waiting; try again shortly" }
    }

    /// Writes waiting for the next transaction (for tests).
    var queuedCount: Int { self.state.withLock { $0.jobs.count } }

    init(executor: SQLiteExecutor, maxQueuedWrites: Int = 4096) {
        self.executor = executor
        self.maxQueuedWrites = maxQueuedWrites
    }

    /// Runs `body` in the next group transaction and returns its result once committed.
    ///
    /// With a `limit`, the caller gets `DeadlineExceeded` once that much time has passed (a disk
    /// that stopped answering): its write is skipped if it has not started by then, and otherwise
    /// may still commit.
    /// A `bounded` write (ingest) is refused with `Overloaded` when `maxQueuedWrites` writes
    /// already wait; unbounded ones (delivery commits, operator actions) always queue.
    func write<T: Sendable>(
        within limit: Duration? = nil,
        bounded: Bool = false,
        _ body: @escaping @Sendable (SQLiteConnection) throws -> T
    ) async throws -> T {
        if bounded {
            let queued = self.state.withLock { $0.jobs.count }
            if queued >= self.maxQueuedWrites { throw Overloaded(queued: queued) }
        }
        guard let limit else {
            return try await withCheckedThrowingContinuation { continuation in
                self.enqueue(body, deliver: { continuation.resume(with: $0) }, abandoned: { false })
            }
        }
        return try await withAnswer(within: limit) { answer in
            self.enqueue(body, deliver: { answer.resume(with: $0) }, abandoned: { answer.isAnswered })
        }
    }

    /// Runs `body` on the writer's connection between group transactions, outside any
    /// transaction (a WAL checkpoint cannot run inside one).
    func outsideTransaction<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await self.executor.run(body)
    }

    private func enqueue<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteConnection) throws -> T,
        deliver: @escaping @Sendable (Result<T, any Error>) -> Void,
        abandoned: @escaping @Sendable () -> Bool
    ) {
        let result = Mutex<T?>(nil)
        let job = Job(
            work: { connection in
                let value = try body(connection)
                result.withLock { $0 = value }
            },
            complete: { error in
                if let error {
                    deliver(.failure(error))
                } else if let value = result.withLock({ $0 }) {
                    deliver(.success(value))
                } else {
                    deliver(.failure(SQLiteError(code: -1, message: "write completed without a result")))
                }
            },
            abandoned: abandoned
        )
        let startDrain = self.state.withLock { state in
            state.jobs.append(job)
            if state.draining { return false }
            state.draining = true
            return true
        }
        if startDrain {
            self.executor.submit { connection in self.drain(connection) }
        }
    }

    private func drain(_ connection: SQLiteConnection) {
        while true {
            let jobs = self.state.withLock { state in
                let taken = state.jobs
                state.jobs.removeAll(keepingCapacity: true)
                if taken.isEmpty { state.draining = false }
                return taken
            }
            if jobs.isEmpty { return }
            let waited = jobs.filter { !$0.abandoned() }
            if !waited.isEmpty { self.commit(waited, on: connection) }
        }
    }

    /// Commits `jobs` in one transaction. The usual case, where no write fails, runs them one
    /// after another; if one fails, the transaction is rolled back and run again `isolating`
    /// each job in its own savepoint, so only the failing one is refused.
    private func commit(_ jobs: [Job], on connection: SQLiteConnection, isolating: Bool = false) {
        do {
            try connection.execute("BEGIN IMMEDIATE")
        } catch {
            for job in jobs { job.complete(error) }
            return
        }
        var outcomes: [(any Error)?] = []
        outcomes.reserveCapacity(jobs.count)
        for job in jobs {
            // A job whose caller stopped waiting while earlier ones ran is skipped (its answer
            // was given: the deadline's).
            guard !job.abandoned() else {
                outcomes.append(nil)
                continue
            }
            if isolating {
                outcomes.append(Self.runInSavepoint(job, on: connection))
                continue
            }
            do {
                defer { connection.resetUsedStatements() }
                try job.work(connection)
                outcomes.append(nil)
            } catch {
                try? connection.execute("ROLLBACK")
                self.commit(jobs, on: connection, isolating: true)
                return
            }
        }
        do {
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            for job in jobs { job.complete(error) }
            return
        }
        for (job, outcome) in zip(jobs, outcomes) {
            job.complete(outcome)
        }
    }

    /// Runs `job` in its own savepoint, rolled back alone if it fails; returns its error.
    private static func runInSavepoint(_ job: Job, on connection: SQLiteConnection) -> (any Error)? {
        do {
            try connection.execute("SAVEPOINT job")
            do {
                defer { connection.resetUsedStatements() }
                try job.work(connection)
                try connection.execute("RELEASE job")
                return nil
            } catch {
                try connection.execute("ROLLBACK TO job")
                try connection.execute("RELEASE job")
                return error
            }
        } catch {
            return error
        }
    }
}
