import NIOPosix
import Synchronization

/// Shares the durability step among every file destination of the process: group fsync.
///
/// A destination appends its lines, closes the file and calls `sync`; the call joins the next
/// pass, which makes every file written since the previous pass durable in one `FileSyncer`
/// call (one `syncfs` for a whole filesystem instead of one `fsync` per file), and returns once
/// that pass has vouched for its file. So 5,000 tenants that each append one line at the same
/// moment cost a few passes, not 5,000 fsyncs, and an event is still reported delivered only
/// after its line is durable.
///
/// A file whose append arrives while a pass is running waits for the next pass: the running one
/// may have started before the append was written. Passes run one at a time on the thread pool,
/// each submitted anew, so writes queued behind a pass get their turn between passes.
public final class FileSyncCoordinator: Sendable {
    /// The coordinator every `"file"` destination of the server shares: the real filesystem,
    /// on NIO's shared blocking pool (the one `DestinationContext.threadPool` hands out).
    public static let shared = FileSyncCoordinator(syncer: FilesystemSyncer(), threadPool: .singleton)

    private struct Waiter {
        let file: WrittenFile
        let continuation: CheckedContinuation<FileSyncFailure?, Never>
    }

    private struct State {
        var pending: [Waiter] = []
        var passing = false
        var passes = 0
        var files = 0
    }

    /// The step that makes files durable.
    public let syncer: any FileSyncer
    private let threadPool: NIOThreadPool
    private let state = Mutex(State())

    /// Creates a coordinator whose passes call `syncer` on `threadPool`.
    public init(syncer: any FileSyncer, threadPool: NIOThreadPool) {
        self.syncer = syncer
        self.threadPool = threadPool
    }

    /// Returns once the lines appended as `file` are durable.
    ///
    /// - Throws: the failure the pass reported for this file; the lines may then be lost, so the
    ///   caller reports the events for retry.
    public func sync(_ file: WrittenFile) async throws(FileSyncFailure) {
        let failure = await withCheckedContinuation { (continuation: CheckedContinuation<FileSyncFailure?, Never>) in
            let start = self.state.withLock { state in
                state.pending.append(Waiter(file: file, continuation: continuation))
                if state.passing { return false }
                state.passing = true
                return true
            }
            if start { self.schedulePass() }
        }
        if let failure { throw failure }
    }

    /// Callers waiting for the next pass (for tests).
    public var pendingCount: Int {
        self.state.withLock { $0.pending.count }
    }

    /// Passes run so far and the files they made durable (for tests and benchmarks).
    public var statistics: (passes: Int, files: Int) {
        self.state.withLock { ($0.passes, $0.files) }
    }

    private func schedulePass() {
        self.threadPool.submit { poolState in
            guard case .active = poolState else {
                self.failPending(FileSyncFailure("the thread pool has stopped; the lines were not made durable"))
                return
            }
            self.pass()
        }
    }

    /// Makes everything waiting durable in one call, answers each waiter, and schedules the next
    /// pass if more arrived meanwhile.
    private func pass() {
        let waiters = self.state.withLock { state in
            let taken = state.pending
            state.pending.removeAll()
            if taken.isEmpty { state.passing = false }
            return taken
        }
        guard !waiters.isEmpty else { return }
        var answers = self.syncer.sync(waiters.map(\.file))
        if answers.count != waiters.count {
            answers = Array(repeating: FileSyncFailure("the syncer gave \(answers.count) answers for \(waiters.count) files"), count: waiters.count)
        }
        let more = self.state.withLock { state in
            state.passes += 1
            state.files += waiters.count
            if state.pending.isEmpty {
                state.passing = false
                return false
            }
            return true
        }
        for (waiter, answer) in zip(waiters, answers) {
            waiter.continuation.resume(returning: answer)
        }
        if more { self.schedulePass() }
    }

    private func failPending(_ failure: FileSyncFailure) {
        let waiters = self.state.withLock { state in
            let taken = state.pending
            state.pending.removeAll()
            state.passing = false
            return taken
        }
        for waiter in waiters { waiter.continuation.resume(returning: failure) }
    }
}
