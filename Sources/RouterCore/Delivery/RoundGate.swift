import NIOCore
import Synchronization

/// Lets at most `width` delivery rounds to local destinations (files) run at once, in the order
/// they asked; the others wait their turn.
///
/// A round's cost is mostly fixed (a read of the head, a write of the file and its share of a
/// sync pass, a commit), whether it carries one event or five hundred. One busy partition
/// batches by itself: while its round runs, the next events collect at its head. Thousands of
/// partitions each receiving a trickle would instead each start a round per event, as many at
/// once as events arrive, and pay the fixed cost per event. Through the gate they wait while
/// the rounds ahead of them run, and their next events collect meanwhile: under load every
/// round carries several events, as the one busy partition's do, and when the router keeps up
/// nobody waits at all. Only rounds on a store this process owns take turns (on a shared
/// store every worker polls, and empty polls would queue too). Rounds to remote destinations
/// never take a turn (their time is mostly spent waiting on the network, and one slow receiver
/// must not hold up others). A round gives its turn up before any pause, and once its
/// destination has answered (its commit need not hold up the next round; the partition's own
/// next round still waits for it).
///
/// A combined round (`CombinedRounds`: the plain rounds of up to 32 partitions whose
/// destinations deliver together, the file destinations) takes one turn for all of them.
///
/// Batching by waiting costs time only while events keep arriving: once they stop (the end of a
/// burst), the supervisor widens the gate (`tune`) so that the backlog left drains at full
/// speed, and narrows it again with the next arrivals. It widens after 50 ms without an
/// arrival, looking every 10 ms while rounds wait and every 50 ms otherwise.
public final class RoundGate: Sendable {
    private enum Slot {
        /// Queued, not suspended yet.
        case armed
        case waiting(CheckedContinuation<Bool, Never>)
        /// Given a turn before it suspended.
        case granted
        /// No task waits: this runs with the turn held (see `whenTurn`).
        case callback(@Sendable () -> Void)
    }

    /// A turn handed to a waiter, to give outside the lock.
    private enum Grant {
        case resume(CheckedContinuation<Bool, Never>)
        case call(@Sendable () -> Void)

        func give() {
            switch self {
            case .resume(let continuation): continuation.resume(returning: true)
            case .call(let body): body()
            }
        }
    }

    private struct State {
        var width: Int
        /// Turns free now; below zero after a narrowing, until that many turns are given back.
        var free: Int
        var nextTicket: UInt64 = 0
        /// Tickets in the order they asked; a cancelled one has no slot and is skipped.
        var queue: [UInt64] = []
        var head = 0
        var slots: [UInt64: Slot] = [:]

        /// What became of a turn offered to the waiters.
        enum Offer {
            /// Nobody waits.
            case nobody
            /// The oldest waiter took it; what to give it outside the lock (nil: it had not
            /// suspended yet and finds the turn when it does).
            case taken(Grant?)
        }

        /// Offers a free turn to the oldest waiter.
        mutating func offer() -> Offer {
            guard let ticket = self.popWaiting() else { return .nobody }
            switch self.slots[ticket] {
            case .waiting(let continuation)?:
                self.slots[ticket] = nil
                return .taken(.resume(continuation))
            case .callback(let body)?:
                self.slots[ticket] = nil
                return .taken(.call(body))
            case .armed?, .granted?, nil:
                self.slots[ticket] = .granted
                return .taken(nil)
            }
        }

        /// The oldest ticket still waiting, taken off the queue.
        mutating func popWaiting() -> UInt64? {
            while self.head < self.queue.count {
                let ticket = self.queue[self.head]
                self.head += 1
                if self.slots[ticket] != nil {
                    self.compact()
                    return ticket
                }
            }
            self.queue.removeAll(keepingCapacity: true)
            self.head = 0
            return nil
        }

        private mutating func compact() {
            if self.head >= 1024, self.head * 2 >= self.queue.count {
                self.queue.removeFirst(self.head)
                self.head = 0
            }
        }
    }

    /// The most rounds at once now.
    public var width: Int { self.state.withLock { $0.width } }
    private let state: Mutex<State>
    /// Arrivals signalled so far (see `noteArrival`).
    private let arrivals = Atomic<Int>(0)

    /// The width the server uses, two rounds per core and at least four: enough rounds at once to
    /// keep the store and the file sync passes busy, few enough that rounds wait (and so batch)
    /// when the router cannot keep up. Measured with 5,000 tenants on 2 cores (docs/performance.md):
    /// 4 and 8 both beat no gate by far, 16 much less, and 4 did best in most rounds.
    public static let defaultWidth = max(4, 2 * System.coreCount)

    /// The width while nothing arrives: the backlog left after a burst is drained with as many
    /// rounds at once as the store and the sync passes take, since no ingest needs the CPU.
    /// Draining waits mostly on syncs, not on the CPU (about half of two cores busy with 64):
    /// the wider, the more files one sync pass carries. With 5,000 tenants the backlog left
    /// after the load drained in 0.43-0.67 s at 64, 0.31-0.38 s at 128 and 0.24-0.34 s at 256,
    /// whose peak RSS was about 10 MB higher (docs/performance.md).
    public static let drainWidth = 128

    /// Creates a gate letting `width` rounds (at least one) run at once.
    public init(width: Int = RoundGate.defaultWidth) {
        self.state = Mutex(State(width: max(1, width), free: max(1, width)))
    }

    /// Counts an arrival of events (ingest signalling a worker); `tune` reads the count.
    public func noteArrival() {
        self.arrivals.add(1, ordering: .relaxed)
    }

    /// Arrivals counted so far.
    public var arrivalCount: Int { self.arrivals.load(ordering: .relaxed) }

    /// Sets the width: `busy` while events keep arriving, `drainWidth` once none arrived since
    /// the last look (`seen`, the `arrivalCount` then). Returns the count to pass next time.
    @discardableResult
    public func tune(seen: Int, busy: Int = RoundGate.defaultWidth) -> Int {
        let now = self.arrivalCount
        self.resize(to: now == seen ? max(busy, Self.drainWidth) : busy)
        return now
    }

    /// Lets `width` rounds (at least one) run at once from now on: a wider gate gives the new
    /// turns to waiting rounds at once; a narrower one takes turns back as they are given back.
    public func resize(to width: Int) {
        let grants: [Grant] = self.state.withLock { state in
            let width = max(1, width)
            state.free += width - state.width
            state.width = width
            var grants: [Grant] = []
            while state.free > 0, case .taken(let grant) = state.offer() {
                state.free -= 1
                if let grant { grants.append(grant) }
            }
            return grants
        }
        for grant in grants { grant.give() }
    }

    /// Waits for a turn; true once the caller holds one (it must `leave`), false if its task was
    /// cancelled first.
    public func enter() async -> Bool {
        let ticket: UInt64? = self.state.withLock { state in
            // A free turn means nobody waits: a turn given back goes to a waiter first.
            if state.free > 0 {
                state.free -= 1
                return nil
            }
            state.nextTicket &+= 1
            state.queue.append(state.nextTicket)
            state.slots[state.nextTicket] = .armed
            return state.nextTicket
        }
        guard let ticket else { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer: Bool? = self.state.withLock { state in
                    switch state.slots[ticket] {
                    case .armed?:
                        state.slots[ticket] = .waiting(continuation)
                        return nil
                    case .granted?:
                        state.slots[ticket] = nil
                        return true
                    case .waiting?, .callback?, nil:
                        // Cancelled before it suspended.
                        return false
                    }
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            self.cancel(ticket)
        }
    }

    /// Gives a turn back; the longest waiting round gets it.
    public func leave() {
        let grant: Grant? = self.state.withLock { state in
            // The gate was narrowed: this turn is retired.
            if state.free < 0 {
                state.free += 1
                return nil
            }
            switch state.offer() {
            case .nobody:
                state.free += 1
                return nil
            case .taken(let grant):
                return grant
            }
        }
        grant?.give()
    }

    /// Runs `body` once a turn is free, with the turn held (it must `leave`), without a task
    /// waiting meanwhile: for a parked worker, whose task is made only when its turn comes.
    /// `body` may run on the caller's thread, at once, or on the one that gives a turn back.
    public func whenTurn(_ body: @escaping @Sendable () -> Void) {
        let now: Bool = self.state.withLock { state in
            if state.free > 0 {
                state.free -= 1
                return true
            }
            state.nextTicket &+= 1
            state.queue.append(state.nextTicket)
            state.slots[state.nextTicket] = .callback(body)
            return false
        }
        if now { body() }
    }

    /// True when some round may be waiting for a turn (a cancelled one may still count); cheap,
    /// unlike `waitingCount`.
    public var mayHaveWaiters: Bool {
        self.state.withLock { $0.head < $0.queue.count }
    }

    /// Rounds waiting for a turn now (for tests and metrics).
    public var waitingCount: Int {
        self.state.withLock { state in state.slots.values.count { if case .granted = $0 { false } else { true } } }
    }

    /// Turns free now (for tests).
    public var freeCount: Int {
        self.state.withLock { $0.free }
    }

    private func cancel(_ ticket: UInt64) {
        let continuation: CheckedContinuation<Bool, Never>? = self.state.withLock { state in
            switch state.slots[ticket] {
            case .armed?:
                state.slots[ticket] = nil
                return nil
            case .waiting(let continuation)?:
                state.slots[ticket] = nil
                return continuation
            case .granted?, .callback?, nil:
                // A turn already given stays given: `enter` returns true and the caller leaves.
                return nil
            }
        }
        continuation?.resume(returning: false)
    }
}
