import Synchronization

/// Thrown by `withDeadline` when the operation took longer than allowed.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    /// The time allowed.
    public var limit: Duration

    public var description: String { "no answer within \(self.limit)" }
}

/// Runs `operation`, throwing `DeadlineExceeded` once it has taken longer than `limit`.
///
/// The caller gets its answer at the deadline even when the operation ignores cancellation (a
/// driver waiting on a dead connection): the operation is cancelled and left to finish on its
/// own, and its late result is dropped.
public func withDeadline<Result: Sendable>(
    _ limit: Duration,
    _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    let work = Task { try await operation() }
    let outcome = DeadlineOutcome<Result>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
            outcome.install(continuation)
            let timer = Task {
                try? await Task.sleep(for: limit)
                if outcome.finish(with: .failure(DeadlineExceeded(limit: limit))) { work.cancel() }
            }
            Task {
                let result = await work.result
                // Done in time: the timer has nothing left to guard.
                if outcome.finish(with: result) { timer.cancel() }
            }
        }
    } onCancel: {
        work.cancel()
        outcome.finish(with: .failure(CancellationError()))
    }
}

/// The first of the operation's result, the deadline or cancellation: resumes the waiting
/// continuation exactly once.
private final class DeadlineOutcome<Result: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result, any Error>?
        var early: Swift.Result<Result, any Error>?
        var done = false
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<Result, any Error>) {
        let early: Swift.Result<Result, any Error>? = self.state.withLock { state in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Returns true when this call decided the outcome.
    @discardableResult
    func finish(with result: Swift.Result<Result, any Error>) -> Bool {
        let (decided, continuation) = self.state.withLock { state -> (Bool, CheckedContinuation<Result, any Error>?) in
            guard !state.done else { return (false, nil) }
            state.done = true
            guard let continuation = state.continuation else {
                state.early = result
                return (true, nil)
            }
            state.continuation = nil
            return (true, continuation)
        }
        continuation?.resume(with: result)
        return decided
    }
}
