import Synchronization

/// Wakes a delivery worker: when new events arrive, when a deadline passes, or to stop it.
///
/// A signal sent while nobody waits is remembered, so no arrival is missed. Any number of tasks
/// may wait at once (a worker's `finished` wakeup is awaited by its successor and by shutdown):
/// each waiter has its own slot, a signal or a stop wakes them all, and a deadline or a
/// cancellation wakes only its own, so no continuation is ever dropped unresumed.
public final class Wakeup: Sendable {
    private enum Slot {
        /// Registered, not suspended yet: a wake before it suspends is seen when it does.
        case armed
        case waiting(CheckedContinuation<Void, Never>)
    }

    private struct State {
        var signalled = false
        var stopped = false
        var pauseLifted = false
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: Slot] = [:]

        /// Removes every waiter and returns the suspended ones, to resume outside the lock.
        mutating func takeAll() -> [CheckedContinuation<Void, Never>] {
            let suspended = self.waiters.values.compactMap { slot -> CheckedContinuation<Void, Never>? in
                if case .waiting(let continuation) = slot { return continuation }
                return nil
            }
            self.waiters.removeAll()
            return suspended
        }
    }

    private let state = Mutex(State())

    /// Creates a wakeup with nothing pending.
    public init() {}

    /// Wakes every waiter, or makes the next wait return at once when nobody waits.
    public func signal() {
        let waiters = self.state.withLock { state in
            if state.waiters.isEmpty { state.signalled = true }
            return state.takeAll()
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Takes a signal sent while nobody waited: true if there was one (it is then forgotten).
    /// A delivery worker asks before it parks, so an arrival it has not read yet keeps it going.
    public func takeSignal() -> Bool {
        self.state.withLock { state in
            defer { state.signalled = false }
            return state.signalled
        }
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
        let waiters = self.state.withLock { state in
            state.stopped = true
            return state.takeAll()
        }
        for waiter in waiters { waiter.resume() }
    }

    /// True once `stop` was called.
    public var isStopped: Bool {
        self.state.withLock { $0.stopped }
    }

    /// Waits for a signal, the deadline (if any), a stop or task cancellation.
    public func wait(until deadline: ContinuousClock.Instant?) async {
        let waiter: UInt64? = self.state.withLock { state in
            if state.stopped { return nil }
            if state.signalled {
                state.signalled = false
                return nil
            }
            state.nextWaiter &+= 1
            state.waiters[state.nextWaiter] = .armed
            return state.nextWaiter
        }
        guard let waiter else { return }
        let timer: Task<Void, Never>? = deadline.map { deadline in
            Task { [weak self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                self?.wake(waiter)
            }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state in
                    // Woken while armed (its slot is gone): do not suspend.
                    guard state.waiters[waiter] != nil else { return true }
                    state.waiters[waiter] = .waiting(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.wake(waiter)
        }
        timer?.cancel()
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

    /// Wakes one waiter (its deadline passed, or its task was cancelled).
    private func wake(_ waiter: UInt64) {
        let slot = self.state.withLock { $0.waiters.removeValue(forKey: waiter) }
        if case .waiting(let continuation)? = slot { continuation.resume() }
    }

    /// How many tasks wait right now (for tests and diagnostics).
    public var waiterCount: Int { self.state.withLock { $0.waiters.count } }
}
