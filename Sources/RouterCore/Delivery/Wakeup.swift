import Synchronization

/// Wakes a delivery worker: when new events arrive, when a deadline passes, or to stop it.
///
/// A signal sent while the worker is busy is remembered, so no arrival is missed.
public final class Wakeup: Sendable {
    private struct State {
        var signalled = false
        var stopped = false
        var pauseLifted = false
        var generation: UInt64 = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Creates a wakeup with nothing pending.
    public init() {}

    /// Wakes the worker (or makes its next wait return at once).
    public func signal() {
        let waiter = self.state.withLock { state in
            state.signalled = true
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Forgets a lift that no pause took (called as each delivery step begins), so a "retry now"
    /// sent while nothing was paused cannot cut short a later, unrelated backoff.
    public func forgetLift() {
        self.state.withLock { $0.pauseLifted = false }
    }

    /// Ends the current pause (or one that starts before the next step) at once and wakes the
    /// worker: "retry now".
    public func liftPause() {
        self.state.withLock { $0.pauseLifted = true }
        self.signal()
    }

    /// Asks the worker to stop; every current and later wait returns at once.
    public func stop() {
        let waiter = self.state.withLock { state in
            state.stopped = true
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// True once `stop` was called.
    public var isStopped: Bool {
        self.state.withLock { $0.stopped }
    }

    /// Waits for a signal, the deadline (if any), a stop or task cancellation.
    public func wait(until deadline: ContinuousClock.Instant?) async {
        let generation: UInt64? = self.state.withLock { state in
            if state.stopped { return nil }
            if state.signalled {
                state.signalled = false
                return nil
            }
            state.generation &+= 1
            return state.generation
        }
        guard let generation else { return }
        let timer: Task<Void, Never>? = deadline.map { deadline in
            Task { [weak self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                self?.expire(generation)
            }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state in
                    if state.stopped || state.signalled || state.generation != generation {
                        state.signalled = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.expire(generation)
        }
        timer?.cancel()
        self.state.withLock { $0.signalled = false }
    }

    /// Sleeps until `deadline` unless stopped or lifted (`liftPause`); signals do not cut it
    /// short, but after each one `shouldEnd` may (an operator lifted the pause through another
    /// instance sharing the store).
    public func pause(until deadline: ContinuousClock.Instant, shouldEnd: (@Sendable () async -> Bool)? = nil) async {
        while !self.isStopped, !Task.isCancelled, ContinuousClock.now < deadline {
            let lifted = self.state.withLock { state in
                defer { state.pauseLifted = false }
                return state.pauseLifted
            }
            if lifted { return }
            await self.wait(until: deadline)
            if ContinuousClock.now < deadline, let shouldEnd {
                if await shouldEnd() { break }
                // However many signals come, look again at most once a second.
                try? await Task.sleep(until: min(deadline, .now + .seconds(1)), clock: .continuous)
            }
        }
        self.state.withLock { $0.pauseLifted = false }
    }

    private func expire(_ generation: UInt64) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.generation == generation else { return nil }
            state.generation &+= 1
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }
}
