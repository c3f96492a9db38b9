import Synchronization

/// Waits for an answer that `start` arranges to deliver through the `DeadlineAnswer` it is
/// given, and throws `DeadlineExceeded` once `limit` has passed without one.
///
/// For operations that already end in a callback (a queue drained by another thread, a group
/// commit): unlike `withDeadline`, it starts no task, only registers with `DeadlineSweeper`, so
/// it can guard every ingest request. A late answer is dropped; `DeadlineAnswer.isAnswered` lets
/// the operation skip work nobody waits for any more. Task cancellation answers
/// `CancellationError`.
public func withAnswer<Result: Sendable>(
    within limit: Duration,
    sweeper: DeadlineSweeper = .shared,
    _ start: (DeadlineAnswer<Result>) -> Void
) async throws -> Result {
    let answer = DeadlineAnswer<Result>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
            answer.install(continuation)
            let registration = sweeper.register(deadline: .now + limit) {
                answer.resume(with: .failure(DeadlineExceeded(limit: limit)))
            }
            answer.onAnswer { sweeper.remove(registration) }
            start(answer)
        }
    } onCancel: {
        answer.resume(with: .failure(CancellationError()))
    }
}

/// The one answer to a wait started by `withAnswer`: the first of the operation's result, the
/// deadline or cancellation.
public final class DeadlineAnswer<Result: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result, any Error>?
        var early: Swift.Result<Result, any Error>?
        var answered = false
        var onAnswer: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    init() {}

    /// True once the waiter has its answer (the operation's, or the deadline's).
    public var isAnswered: Bool {
        self.state.withLock { $0.answered }
    }

    /// Answers the waiter unless it was answered already; true when this call answered.
    @discardableResult
    public func resume(with result: Swift.Result<Result, any Error>) -> Bool {
        let (continuation, onAnswer, decided) = self.state.withLock { state -> (CheckedContinuation<Result, any Error>?, (@Sendable () -> Void)?, Bool) in
            guard !state.answered else { return (nil, nil, false) }
            state.answered = true
            let onAnswer = state.onAnswer
            state.onAnswer = nil
            guard let continuation = state.continuation else {
                state.early = result
                return (nil, onAnswer, true)
            }
            state.continuation = nil
            return (continuation, onAnswer, true)
        }
        onAnswer?()
        continuation?.resume(with: result)
        return decided
    }

    fileprivate func install(_ continuation: CheckedContinuation<Result, any Error>) {
        let early: Swift.Result<Result, any Error>? = self.state.withLock { state in
            if let early = state.early {
                state.early = nil
                return early
            }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Runs `action` once the waiter is answered (at once if it already is).
    fileprivate func onAnswer(_ action: @escaping @Sendable () -> Void) {
        let runNow = self.state.withLock { state in
            if state.answered { return true }
            state.onAnswer = action
            return false
        }
        if runNow { action() }
    }
}
