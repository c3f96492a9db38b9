import Logging
import Synchronization

/// Delivery rounds that serve many partitions at once: one read of all their heads, one
/// delivery through their destinations' shared step (`DeliveryCombiner`: one sync pass for the
/// files), one commit of all their outcomes.
///
/// A round's cost is mostly fixed whether it carries one event or five hundred, and with
/// thousands of tenants each receiving a trickle, every partition's round carried a few events
/// and paid the crossings of a round of its own: a task, a trip to a reader and back, a wait for
/// a sync pass, a trip to the writer and back. Here a parked worker that is signalled queues
/// (no task); a combined round takes up to `partitionsPerRound` (32) of the oldest queued and
/// pays those crossings once for all of them.
///
/// Pacing: while events keep arriving, one combined round runs at a time and the next starts
/// no sooner than 25 ms after the last one started, so the events that arrive meanwhile join
/// the partitions' batches (about five a round with 5,000 tenants under full load; a partition
/// waits about as long as the 5,000 took turns before). Once no event has arrived for 50 ms
/// (`RoundGate.tune`), up to `drainRounds` run at once, unpaced, and the backlog a burst left
/// drains at full speed. A round that found a head holding more than one batch (a busy
/// partition) is followed at once, not paced (the busy partition queues again behind the
/// others waiting).
///
/// Combined rounds take turns at the `RoundGate` like any round to a local destination: each
/// holds one turn until its destinations have answered, and gives it back before its commit.
/// Only plain rounds are combined: a partition whose destination is failing, whose retries are
/// scheduled, that lingers for a batch to fill or replaces another worker runs its rounds in a
/// task of its own, as before, and comes back once it parks again.
final class CombinedRounds: Sendable {
    /// Runs `job` as a task of the supervisor's; false when it cannot any more (stopping).
    typealias Launch = @Sendable (@escaping @Sendable () async -> Void) -> Bool

    private struct State {
        var queue: [DeliveryWorker] = []
        var head = 0
        /// Turns asked for and not given back yet (those waiting at the gate, and rounds
        /// holding one).
        var turns = 0

        var waiting: Int { self.queue.count - self.head }

        mutating func take(_ count: Int) -> [DeliveryWorker] {
            let end = min(self.queue.count, self.head + count)
            let taken = Array(self.queue[self.head..<end])
            self.head = end
            if self.head == self.queue.count {
                self.queue.removeAll(keepingCapacity: self.queue.count <= 4096)
                self.head = 0
            } else if self.head >= 1024, self.head * 2 >= self.queue.count {
                self.queue.removeFirst(self.head)
                self.head = 0
            }
            return taken
        }

        /// How many more turns to ask for (counted as asked): one per `partitionsPerRound`
        /// waiting, at most `limit` in all.
        mutating func moreTurns(partitionsPerRound: Int, limit: Int) -> Int {
            let wanted = min(limit, (self.waiting + partitionsPerRound - 1) / partitionsPerRound)
            let more = max(0, wanted - self.turns)
            self.turns += more
            return more
        }
    }

    /// The most partitions one round serves.
    static let defaultPartitionsPerRound = 32

    /// While events keep arriving (the gate is narrow, see `RoundGate.tune`), one combined round
    /// runs at a time and the next starts no sooner than this after the last one started.
    static let defaultSpacing = Duration.milliseconds(25)

    /// Once events stop arriving, how many combined rounds run at once to drain the backlog.
    /// Every partition of a round holds its batch in memory: with 5,000 tenants, 16 rounds of 32
    /// peaked at about 120 MB against 180 MB with a round for every 32 waiting (all of them at
    /// once), and drained the backlog a burst left at two thirds of the CPU (docs/performance.md).
    static let drainRounds = 16

    private let state = Mutex(State())
    /// When the last round started, and whether a partition's head held more than its batch
    /// then (for the spacing: a partition that fills whole batches is not made to wait).
    private let last = Mutex((start: ContinuousClock.now, behind: false))
    private let gate: RoundGate
    private let store: any EventStore
    private let logger: Logger
    private let launch: Launch
    let partitionsPerRound: Int
    let spacing: Duration

    init(
        gate: RoundGate,
        store: any EventStore,
        logger: Logger,
        partitionsPerRound: Int = CombinedRounds.defaultPartitionsPerRound,
        spacing: Duration = CombinedRounds.defaultSpacing,
        launch: @escaping Launch
    ) {
        self.gate = gate
        self.store = store
        self.logger = logger
        self.partitionsPerRound = max(1, partitionsPerRound)
        self.spacing = spacing
        self.launch = launch
    }

    /// True while events keep arriving: rounds are paced (see `defaultSpacing`).
    private var paced: Bool { self.gate.width < RoundGate.drainWidth }

    /// The most stored property bytes one round reads, shared among its partitions (each gets
    /// at least `minimumBytesPerPartition`, and never more than its destination takes): the
    /// batches of a round are in memory together, and 16 rounds may drain at once.
    static let bytesPerRound = 8 << 20
    static let minimumBytesPerPartition = 256 << 10

    /// How many more turns to ask for: one per `partitionsPerRound` waiting, only one at a time
    /// while paced and at most `drainRounds` otherwise.
    private func moreTurns(_ state: inout State) -> Int {
        state.moreTurns(partitionsPerRound: self.partitionsPerRound, limit: self.paced ? 1 : Self.drainRounds)
    }

    /// Asks for the turns the partitions waiting now want: for when the gate has widened (the
    /// end of a burst), so the backlog drains with as many rounds at once as the gate allows.
    func reconsider() {
        self.askForTurns(self.state.withLock { self.moreTurns(&$0) })
    }

    /// Queues `worker` (running, with no task) for the next combined round.
    func enqueue(_ worker: DeliveryWorker) {
        let more = self.state.withLock { state in
            state.queue.append(worker)
            return self.moreTurns(&state)
        }
        self.askForTurns(more)
    }

    private func askForTurns(_ count: Int) {
        for _ in 0..<count { self.askForTurn() }
    }

    private func askForTurn() {
        self.gate.whenTurn { [self] in
            guard self.launch({ await self.round() }) else {
                // Stopping: every queued worker was stopped and finishes here; the turn is
                // handed on from a task of its own (the next may be another launch failing).
                let stranded = self.state.withLock { state in
                    state.turns -= 1
                    return state.take(state.waiting)
                }
                Task { [gate = self.gate] in gate.leave() }
                for worker in stranded { worker.markFinished() }
                return
            }
        }
    }

    /// Gives the round's turn back and asks for another if partitions still wait.
    private func giveTurnBack() {
        self.gate.leave()
        let more = self.state.withLock { state in
            state.turns -= 1
            return self.moreTurns(&state)
        }
        self.askForTurns(more)
    }

    /// One combined round, run with a turn held.
    private func round() async {
        var holdsTurn = true
        defer { if holdsTurn { self.giveTurnBack() } }
        let (lastStart, behind) = self.last.withLock { ($0.start, $0.behind) }
        let next = lastStart + self.spacing
        if self.paced, self.spacing > .zero, !behind, next > .now {
            // The partitions taken after the wait have collected more events meanwhile. The
            // turn is not held while waiting: other local rounds (retries) may use it.
            self.gate.leave()
            try? await Task.sleep(until: next)
            guard await self.gate.enter() else {
                // Cancelled (stopping): no turn held; the queued workers stay for the next.
                holdsTurn = false
                let more = self.state.withLock { state in
                    state.turns -= 1
                    return self.moreTurns(&state)
                }
                self.askForTurns(more)
                return
            }
        }
        self.last.withLock { $0 = (start: .now, behind: false) }
        let taken = self.state.withLock { $0.take(self.partitionsPerRound) }
        var members: [(worker: DeliveryWorker, memory: DeliveryWorker.Memory, state: PartitionState, combiner: any DeliveryCombiner)] = []
        members.reserveCapacity(taken.count)
        for worker in taken {
            switch worker.joinCombinedRound() {
            case .joins(let memory, let state):
                // One combiner per round (there is one, the file destinations', in a server).
                if let combiner = worker.destination.combiner, members.first.map({ $0.combiner === combiner }) ?? true {
                    members.append((worker, memory, state, combiner))
                } else {
                    worker.runOwnTask()
                }
            case .alone: worker.runOwnTask()
            case .stopped: worker.markFinished()
            }
        }
        guard let combiner = members.first?.combiner else { return }
        let heads: [HeadBatch]
        do {
            let share = max(Self.minimumBytesPerPartition, Self.bytesPerRound / members.count)
            heads = try await self.store.headBatches(members.map { member in
                let limits = member.worker.destination.batchLimits
                return HeadRequest(partition: member.worker.partition, limit: limits.maxEvents, maxBytes: min(limits.maxBytes, share))
            })
            guard heads.count == members.count else {
                throw CombinedRoundFailure(description: "the store read \(heads.count) heads for \(members.count) partitions")
            }
        } catch {
            self.storeFailed(error, members.map(\.worker))
            return
        }
        if heads.contains(where: { $0.drained == false }) { self.last.withLock { $0.behind = true } }
        // Which members deliver, with what.
        var sending: [(member: Int, attempt: DeliveryWorker.Attempt)] = []
        for (index, head) in heads.enumerated() {
            let member = members[index]
            guard !head.events.isEmpty else {
                self.then(member.worker, member.worker.endEmptyCombinedRound(member.memory))
                continue
            }
            sending.append((index, member.worker.prepare(head.events, fromRetries: false, state: member.state)))
        }
        // Aborted since it joined (a reload changed its destination, the lease may be gone): its
        // batch stays at the head, unsent and uncounted.
        sending.removeAll { entry in
            let worker = members[entry.member].worker
            guard worker.inFlight.withLock({ $0.aborted }) else { return false }
            worker.markFinished()
            return true
        }
        guard !sending.isEmpty else { return }
        let started = ContinuousClock.now
        let delivering = sending.filter { !$0.attempt.routed.isEmpty }
        let answers = await combiner.deliver(delivering.map { CombinedDelivery(destination: members[$0.member].worker.destination, batch: $0.attempt.routed) })
        var outcomes = [[DeliveryOutcome]](repeating: [], count: members.count)
        for (delivered, answer) in zip(delivering, answers) { outcomes[delivered.member] = answer }
        // The destinations answered: the next round need not wait for this one's commit.
        holdsTurn = false
        self.giveTurnBack()
        let elapsed = ContinuousClock.now - started
        var plans: [(member: Int, attempt: DeliveryWorker.Attempt, plan: DeliveryPlanner.Plan)] = []
        for (index, attempt) in sending {
            let worker = members[index].worker
            // Aborted meanwhile: the batch stays at the head, uncounted (see `wasAborted`).
            if worker.wasAborted() {
                worker.markFinished()
                continue
            }
            plans.append((index, attempt, worker.plan(attempt, outcomes: outcomes[index], fromRetries: false, state: members[index].state, elapsed: elapsed)))
        }
        var committed = Array(repeating: true, count: plans.count)
        do {
            try await self.store.commitAll(plans.map(\.plan.commit))
        } catch {
            // One commit failing fails them all (one transaction): commit each alone, so only
            // the failing ones deliver their batch again.
            self.logger.warning("A combined commit failed; committing its partitions one by one", metadata: ["error": "\(error)", "partition.count": "\(plans.count)"])
            for (position, entry) in plans.enumerated() {
                let worker = members[entry.member].worker
                do {
                    try await self.store.commit(entry.plan.commit)
                } catch let lost as PartitionLeaseLost {
                    committed[position] = false
                    worker.logger.warning("Partition taken over by another instance; stopping", metadata: worker.stamped(["error": "\(lost)"]))
                    worker.markFinished()
                } catch {
                    committed[position] = false
                    self.storeFailed(error, [worker])
                }
            }
        }
        for ((index, attempt, plan), done) in zip(plans, committed) where done {
            let member = members[index]
            member.worker.recordCommitted(plan, attempt: attempt, elapsed: elapsed)
            self.then(member.worker, member.worker.endCombinedRound(plan, head: heads[index], memory: member.memory))
        }
    }

    /// Does what a worker's part of a round ended with.
    private func then(_ worker: DeliveryWorker, _ end: DeliveryWorker.CombinedEnd) {
        switch end {
        case .parked: break
        case .again: self.enqueue(worker)
        case .alone: worker.runOwnTask()
        case .stopped: worker.markFinished()
        }
    }

    /// The store failed a read or a commit: each worker's own task starts over from the
    /// store's state (and backs off if the store fails it too).
    private func storeFailed(_ error: any Error, _ workers: [DeliveryWorker]) {
        self.logger.error("Event store failed during a combined delivery round", metadata: ["error": "\(error)", "partition.count": "\(workers.count)"])
        for worker in workers {
            worker.endFailedCombinedRound()
            if worker.wakeup.isStopped { worker.markFinished() } else { worker.runOwnTask() }
        }
    }
}

/// A store answered a combined read with the wrong number of heads.
struct CombinedRoundFailure: Error, CustomStringConvertible {
    let description: String
}
