import NIOPosix
import Synchronization

/// Shares the writing and the durability step among every file destination of the process:
/// group append and group fsync.
///
/// A destination hands its lines to `append`; the call joins the next pass, which appends the
/// lines of every caller waiting (each to its own file), makes all those files durable in one
/// `FileSyncer` call (one `syncfs` for a whole filesystem instead of one `fsync` per file), and
/// answers each caller once that call has vouched for its file. So 5,000 tenants that each
/// append one line at the same moment cost a few passes (each one job on the thread pool), not
/// 5,000 jobs and 5,000 fsyncs, and an event is still reported delivered only after its line is
/// durable. Lines that could not be made durable are cut off again before the caller hears, so a
/// retry never leaves them behind twice.
///
/// A caller that arrives while a pass is running waits for the next pass. Passes run one at a
/// time on the thread pool, each submitted anew, so other work queued behind a pass gets its
/// turn between passes. `sync` joins a pass with a file the caller wrote itself.
public final class FileSyncCoordinator: Sendable {
    /// The coordinator every `"file"` destination of the server shares: the real filesystem,
    /// on NIO's shared blocking pool (the one `DestinationContext.threadPool` hands out).
    public static let shared = FileSyncCoordinator(syncer: FilesystemSyncer(), threadPool: .singleton)

    /// What a caller hands a pass.
    private enum Work {
        /// A file the caller already appended to.
        case written(WrittenFile)
        /// Lines for the pass to append.
        case append(bytes: [UInt8], path: String, maxBytes: Int?)
    }

    /// One caller's work (one item, or several from `appendAll`) and how to answer it.
    private struct Waiter {
        let works: [Work]
        let continuation: CheckedContinuation<[FileAppendOutcome], Never>
    }

    private struct State {
        var pending: [Waiter] = []
        var passing = false
        var passes = 0
        var files = 0
        /// A look for files to close is due (see `scheduleIdleClose`).
        var sweepScheduled = false
    }

    /// The step that makes files durable.
    public let syncer: any FileSyncer
    private let threadPool: NIOThreadPool
    private let state = Mutex(State())
    /// Touched by passes, which run one at a time, and by the look for idle files.
    private let openFiles: Mutex<OpenFiles>
    /// How long a file may go unwritten before it is closed.
    public let closeIdleAfter: Duration

    /// Creates a coordinator whose passes append and call `syncer` on `threadPool`, keeping at
    /// most `keepOpen` files open between appends (nil: half the process's soft descriptor
    /// limit, at most 16,384; 0: open and close the file on every append), each until it has
    /// not been written for `closeIdleAfter`.
    public init(syncer: any FileSyncer, threadPool: NIOThreadPool, keepOpen: Int? = nil, closeIdleAfter: Duration = .seconds(30)) {
        self.syncer = syncer
        self.threadPool = threadPool
        self.openFiles = Mutex(OpenFiles(capacity: keepOpen ?? OpenFiles.defaultCapacity))
        self.closeIdleAfter = closeIdleAfter
    }

    /// Appends `bytes` to `path` in the next pass (creating its folders, rotating first when
    /// `maxBytes` would be passed, cutting off a torn last line; see `FileAppender.append`) and
    /// returns once the lines are durable, or why they are not (then they were cut off again).
    public func append(_ bytes: [UInt8], to path: String, maxBytes: Int?) async -> FileAppendOutcome {
        await self.join(.append(bytes: bytes, path: path, maxBytes: maxBytes))
    }

    /// `append` for each of `appends` in the same pass, answered together: one wait for the
    /// caller however many files it writes. One outcome per append, in order.
    public func appendAll(_ appends: [FileAppend]) async -> [FileAppendOutcome] {
        if appends.isEmpty { return [] }
        return await self.join(appends.map { .append(bytes: $0.bytes, path: $0.path, maxBytes: $0.maxBytes) })
    }

    /// Returns once the lines appended as `file` are durable.
    ///
    /// - Throws: the failure the pass reported for this file; the lines may then be lost, so the
    ///   caller reports the events for retry (and cuts them off itself).
    public func sync(_ file: WrittenFile) async throws(FileSyncFailure) {
        switch await self.join(.written(file)) {
        case .durable: return
        case .writeFailed(let reason), .syncFailed(let reason): throw FileSyncFailure(reason)
        }
    }

    private func join(_ work: Work) async -> FileAppendOutcome {
        await self.join([work]).first ?? .syncFailed("the pass gave no answer")
    }

    private func join(_ works: [Work]) async -> [FileAppendOutcome] {
        await withCheckedContinuation { (continuation: CheckedContinuation<[FileAppendOutcome], Never>) in
            let start = self.state.withLock { state in
                state.pending.append(Waiter(works: works, continuation: continuation))
                if state.passing { return false }
                state.passing = true
                return true
            }
            if start { self.schedulePass() }
        }
    }

    /// Appends and syncs waiting for the next pass (for tests): one per file a caller brings.
    public var pendingCount: Int {
        self.state.withLock { $0.pending.reduce(0) { $0 + $1.works.count } }
    }

    /// Files kept open between appends now (for tests).
    public var openFileCount: Int {
        self.openFiles.withLock { $0.count }
    }

    /// Passes run so far and the files they made durable (for tests and benchmarks).
    public var statistics: (passes: Int, files: Int) {
        self.state.withLock { ($0.passes, $0.files) }
    }

    private func schedulePass() {
        self.threadPool.submit { poolState in
            guard case .active = poolState else {
                self.failPending(FileSyncFailure("the thread pool has stopped; the lines were not written or not made durable"))
                return
            }
            self.pass()
        }
    }

    /// Appends what the waiters brought, makes every file durable in one call, cuts off what
    /// could not be, answers each waiter, and schedules the next pass if more arrived meanwhile.
    private func pass() {
        let waiters = self.state.withLock { state in
            let taken = state.pending
            state.pending.removeAll()
            if taken.isEmpty { state.passing = false }
            return taken
        }
        guard !waiters.isEmpty else { return }
        let works = waiters.flatMap(\.works)
        var outcomes = [FileAppendOutcome?](repeating: nil, count: works.count)
        // The file each work's lines went to, as an index into `files`.
        var fileIndex = [Int?](repeating: nil, count: works.count)
        var files: [WrittenFile] = []
        files.reserveCapacity(works.count)
        let open = self.openFiles.withLock { openFiles in
            for (index, work) in works.enumerated() {
                switch work {
                case .written(let file):
                    fileIndex[index] = files.count
                    files.append(file)
                case .append(let bytes, let path, let maxBytes):
                    do {
                        let file = try FileAppender.append(bytes, to: path, maxBytes: maxBytes, syncer: self.syncer, files: &openFiles)
                        fileIndex[index] = files.count
                        files.append(file)
                    } catch {
                        outcomes[index] = .writeFailed("\(error)")
                    }
                }
            }
            return openFiles.count
        }
        var answers = files.isEmpty ? [] : self.syncer.sync(files)
        if answers.count != files.count {
            answers = Array(repeating: FileSyncFailure("the syncer gave \(answers.count) answers for \(files.count) files"), count: files.count)
        }
        // Newest first, so two appends to one file in the same pass are both cut off.
        for index in works.indices.reversed() {
            guard let file = fileIndex[index] else { continue }
            guard let failure = answers[file] else {
                outcomes[index] = .durable
                continue
            }
            if case .append = works[index] { FileAppender.undo(files[file]) }
            outcomes[index] = .syncFailed(failure.description)
        }
        let (more, sweep) = self.state.withLock { state in
            state.passes += 1
            state.files += files.count
            let sweep = open > 0 && !state.sweepScheduled
            if sweep { state.sweepScheduled = true }
            if state.pending.isEmpty {
                state.passing = false
                return (false, sweep)
            }
            return (true, sweep)
        }
        var next = 0
        for waiter in waiters {
            let answered = outcomes[next..<next + waiter.works.count].map { $0 ?? .syncFailed("the pass gave no answer") }
            next += waiter.works.count
            waiter.continuation.resume(returning: answered)
        }
        if more { self.schedulePass() }
        if sweep { self.scheduleIdleClose() }
    }

    /// Closes the files not written for `closeIdleAfter` once that much time has passed, and
    /// looks again while any stay open: a file a quiet tenant's logrotate moved away and deleted
    /// must not keep its disk space.
    private func scheduleIdleClose() {
        let idle = self.closeIdleAfter
        Task { [self] in
            try? await Task.sleep(for: idle)
            self.threadPool.submit { _ in
                let open = self.openFiles.withLock { $0.closeIdle(after: idle) }
                let again = self.state.withLock { state in
                    state.sweepScheduled = open > 0
                    return open > 0
                }
                if again { self.scheduleIdleClose() }
            }
        }
    }

    private func failPending(_ failure: FileSyncFailure) {
        let waiters = self.state.withLock { state in
            let taken = state.pending
            state.pending.removeAll()
            state.passing = false
            return taken
        }
        for waiter in waiters {
            waiter.continuation.resume(returning: waiter.works.map { work in
                switch work {
                case .append: .writeFailed(failure.description)
                case .written: .syncFailed(failure.description)
                }
            })
        }
    }
}
