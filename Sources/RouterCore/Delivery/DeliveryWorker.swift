import Logging
import Metrics
import Synchronization

/// Delivers one partition (a tenant's destination): reads the head and due retries, calls the
/// destination, and commits what `DeliveryPlanner` decides.
///
/// One worker per partition, so a slow or failing destination only ever holds up itself. It runs
/// only while this instance holds the partition's lease and stops when a commit finds the lease
/// taken over.
///
/// A worker with nothing to do holds no task and no buffers: when its head is empty and nothing
/// is scheduled (no retry, no backoff pause, no store to poll), `run` returns ("parks") and the
/// next `signal` hands the worker to its launcher to run again, or, when its destination can
/// deliver together with others (a file), to the next combined round (`CombinedRounds`), which
/// runs the plain round of many partitions at once with no task of theirs. Parked, it is this object and the
/// little it remembers for the next run (the partition state, when its next retry is due): a few
/// hundred bytes, so thousands of quiet tenants cost almost nothing. Without a launcher it waits
/// in its task instead.
public final class DeliveryWorker: Sendable {
    /// Runs a parked worker again (the supervisor adds a task calling `run`); returns false when
    /// it cannot any more (the supervisor is stopping), and the worker then counts as finished.
    public typealias Launcher = @Sendable (DeliveryWorker) -> Bool

    /// What every worker of a supervisor shares, held once: the store, the server's logger, the
    /// metrics, the round gate, the combined rounds and the launcher.
    final class Environment: Sendable {
        let store: any EventStore
        /// The worker's own metadata is added per message (`stamped`), only when the level is
        /// on, so an idle worker keeps no logger of its own.
        let logger: Logger
        let metrics: RouterMetrics
        let launcher: Launcher?
        /// Turns for rounds to local destinations (see `RoundGate`).
        let roundGate: RoundGate
        /// Rounds that deliver many partitions at once, for destinations that can (see
        /// `CombinedRounds`); nil to run every round in the worker's own task.
        let combinedRounds: CombinedRounds?

        init(
            store: any EventStore,
            logger: Logger,
            metrics: RouterMetrics,
            roundGate: RoundGate = RoundGate(),
            combinedRounds: CombinedRounds? = nil,
            launcher: Launcher?
        ) {
            self.store = store
            self.logger = logger
            self.metrics = metrics
            self.roundGate = roundGate
            self.combinedRounds = combinedRounds
            self.launcher = launcher
        }
    }

    /// The queue this worker drains.
    public let partition: PartitionKey
    let destination: any Destination
    let type: String
    private let environment: Environment
    let wakeup = Wakeup()
    /// Made on the first delivery: partitions that never deliver register no metrics.
    private let madeMetrics = Mutex<DeliveryMetrics?>(nil)
    var store: any EventStore { self.environment.store }
    var logger: Logger { self.environment.logger }
    private var launcher: Launcher? { self.environment.launcher }
    var combinedRounds: CombinedRounds? { self.environment.combinedRounds }
    var roundGate: RoundGate { self.environment.roundGate }
    /// True when this worker's rounds take turns at the round gate: a local destination (a
    /// file) on a store this process owns. On a shared store every worker polls, and empty
    /// polls waiting their turn would hold up the rounds with something to deliver.
    var takesRoundTurns: Bool { self.destination.writesFile != nil && self.store.coordination.pollInterval == nil }
    /// The worker this one replaces, until it has finished; then dropped, so retired workers do
    /// not pile up in a chain across reloads.
    private let predecessor: Mutex<DeliveryWorker?>
    private let life: Mutex<Life>
    /// Set when an operator action may have made retries due (a replay, "retry now").
    let retriesChanged = Atomic<Bool>(false)
    /// The destination call in flight, so `abort` can cancel it.
    let inFlight = Mutex<(task: Task<[DeliveryOutcome], Never>?, aborted: Bool)>((nil, false))

    private enum Phase {
        /// A task runs it, or has been asked to.
        case running
        /// Idle, no task: the next signal launches one.
        case parked
        /// Stopped or finished for good.
        case stopped
    }

    private struct Life {
        var phase = Phase.running
        var started = false
        var ran = false
        var finished = false
        /// Launched with a round-gate turn already held (see `signal`), for its first round.
        var holdsTurn = false
        /// Tasks waiting for the worker to finish (a successor, shutdown); no allocation while
        /// empty, as it is for nearly every worker.
        var finishWaiters: [CheckedContinuation<Void, Never>] = []
        /// What a parked worker carries over to its next run.
        var memory = Memory()
    }

    /// What the worker knows between turns, so a turn reads only what may have changed.
    struct Memory: Sendable {
        /// The partition state as last committed; nil to read it from the store.
        var state: PartitionState?
        /// When the partition's next retry is due, as far as this worker knows.
        var retries = RetryHorizon.unknown
        /// Until when the retry set is left alone after a retry batch failed as a whole
        /// (`DeliveryPlanner.Plan.retrySetPause`); an operator's replay or "retry now" ends it.
        var retriesPausedUntil: Timestamp?
        /// A pause the next run waits out first: the one a combined round's plan asked for
        /// (`DeliveryPlanner.Plan.pause`), as `step` waits after its own.
        var pauseFirst: ContinuousClock.Instant?
    }

    /// Workers in memory (made and not yet freed) and workers started and not finished (parked
    /// ones included), in this process: after any number of reloads and lease hand-overs both
    /// come back to the number of partitions held (`router_delivery_workers`; `scripts/soak.sh`
    /// checks it). `busy` counts those with a task at work now (not parked).
    static let alive = Atomic<Int>(0)
    static let running = Atomic<Int>(0)
    static let busy = Atomic<Int>(0)

    /// How many workers are in memory now.
    public static var aliveCount: Int { Self.alive.load(ordering: .relaxed) }
    /// How many workers are started and not finished now (parked ones included).
    public static var runningCount: Int { Self.running.load(ordering: .relaxed) }
    /// How many workers have a task at work now (not parked).
    public static var busyCount: Int { Self.busy.load(ordering: .relaxed) }

    /// Creates a worker; it does nothing until `run` is called. With a launcher it starts parked
    /// and its first `signal` launches it (the supervisor signals those whose partition may have
    /// work; the others wait for their first event).
    ///
    /// - Parameter launcher: runs the worker again after it parked; nil to never park.
    public convenience init(
        partition: PartitionKey,
        destination: any Destination,
        type: String,
        store: any EventStore,
        metrics: RouterMetrics,
        logger: Logger,
        predecessor: DeliveryWorker? = nil,
        roundGate: RoundGate = RoundGate(),
        launcher: Launcher? = nil
    ) {
        self.init(
            partition: partition,
            destination: destination,
            type: type,
            environment: Environment(store: store, logger: logger, metrics: metrics, roundGate: roundGate, launcher: launcher),
            predecessor: predecessor
        )
    }

    /// Creates a worker sharing `environment` with the other workers of its supervisor.
    init(partition: PartitionKey, destination: any Destination, type: String, environment: Environment, predecessor: DeliveryWorker?) {
        let launcher = environment.launcher
        self.predecessor = Mutex(predecessor)
        self.partition = partition
        self.destination = destination
        self.type = type
        self.environment = environment
        self.life = Mutex(Life(phase: launcher == nil ? .running : .parked, started: launcher != nil))
        Self.alive.add(1, ordering: .relaxed)
        if launcher != nil { Self.running.add(1, ordering: .relaxed) }
    }

    deinit {
        Self.alive.subtract(1, ordering: .relaxed)
    }

    /// Tells the worker new events may be waiting; a parked worker is launched again.
    public func signal() {
        let relaunch = self.life.withLock { life in
            switch life.phase {
            case .parked:
                life.phase = .running
                return true
            case .running:
                // Under the lock, so a worker deciding to park sees it (see `park`).
                self.wakeup.signal()
                return false
            case .stopped:
                return false
            }
        }
        guard relaunch else { return }
        guard self.takesRoundTurns else {
            self.runOwnTask()
            return
        }
        // Its next round may be one of a combined round, with no task of its own (see
        // `CombinedRounds`), which decides whether it is.
        if self.destination.combiner != nil, let rounds = self.combinedRounds, self.mayJoinCombinedRound {
            rounds.enqueue(self)
            return
        }
        // A local destination's round waits its turn (see `RoundGate`): with no task meanwhile,
        // so thousands of partitions waiting cost a queue entry each, not a task each.
        self.roundGate.whenTurn { [self] in
            self.life.withLock { $0.holdsTurn = true }
            if self.launcher?(self) != true {
                // Stopping: hand the turn on from a task of its own, since the next one may be
                // another worker's launch failing the same way (no recursion through them all).
                if self.takeHeldTurn() { Task { [gate = self.roundGate] in gate.leave() } }
                self.markFinished()
            }
        }
    }

    /// Runs the worker in a task of its own again (the launcher's), or finishes it when that
    /// cannot be (the supervisor is stopping).
    func runOwnTask() {
        if self.launcher?(self) != true { self.markFinished() }
    }

    /// Keeps `memory` for the worker's next run.
    func keep(_ memory: Memory) {
        self.life.withLock { $0.memory = memory }
    }

    /// What the worker knows now (between runs).
    var memory: Memory { self.life.withLock { $0.memory } }

    /// True when the worker's next round may not be part of a combined round: it replaces
    /// another, or an operator's action may have made retries due.
    var needsOwnRound: Bool {
        self.predecessor.withLock { $0 != nil } || self.retriesChanged.load(ordering: .relaxed)
    }

    /// True when the worker was launched with a turn that no round has used yet; it is the
    /// caller's from now on.
    private func takeHeldTurn() -> Bool {
        self.life.withLock { life in
            defer { life.holdsTurn = false }
            return life.holdsTurn
        }
    }

    /// Gives back a turn taken for this worker's launch that no round used.
    private func returnHeldTurn() {
        if self.takeHeldTurn() { self.roundGate.leave() }
    }

    /// Tells the worker retries may have become due (a replay), and wakes it.
    public func retriesMayBeDue() {
        self.retriesChanged.store(true, ordering: .relaxed)
        self.signal()
    }

    /// Ends a backoff pause at once, so the head and the retries made due are tried now.
    public func retryNow() {
        self.retriesChanged.store(true, ordering: .relaxed)
        self.wakeup.liftPause()
        self.signal()
    }

    /// Asks the worker to finish the batch in flight and return.
    public func stop() {
        let wasParked = self.life.withLock { life in
            defer { life.phase = .stopped }
            return life.phase == .parked
        }
        self.wakeup.stop()
        if wasParked { self.markFinished() }
    }

    /// Stops at once: the destination call in flight is cancelled and its outcome not committed,
    /// so the batch stays at the head uncounted. Used when the lease may be lost.
    public func abort() {
        self.stop()
        let task = self.inFlight.withLock { state in
            state.aborted = true
            return state.task
        }
        task?.cancel()
    }

    /// True once the worker has stopped for good (a parked worker has not).
    public var isFinished: Bool { self.life.withLock { $0.finished } }

    /// Tells a worker that has not run yet that its partition has nothing waiting, as the store
    /// said (`EventStore.partitionsWithWork`): its first run then reads only the head, not the
    /// state and the retries again. A worker that has run knows better and ignores it.
    func startsIdle() {
        self.life.withLock { life in
            guard !life.ran else { return }
            life.memory = Memory(state: PartitionState(), retries: .none)
        }
    }

    /// True when it replaces a worker of the same partition (a reload changed its destination),
    /// which may have left a batch at the head: it must look, whatever the store says.
    public var replacesAnother: Bool { self.predecessor.withLock { $0 != nil } }

    /// True while the worker is parked: no task, nothing to do.
    public var isParked: Bool { self.life.withLock { $0.phase == .parked } }

    /// Waits until the worker has stopped for good.
    public func waitUntilFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = self.life.withLock { life in
                if !life.finished { life.finishWaiters.append(continuation) }
                return life.finished
            }
            if finished { continuation.resume() }
        }
    }

    /// Runs until stopped, cancelled, or (with a launcher) idle. A worker replacing another
    /// (after a config reload) starts only once its predecessor has committed its last batch.
    public func run() async {
        Self.busy.add(1, ordering: .relaxed)
        defer { Self.busy.subtract(1, ordering: .relaxed) }
        var memory = self.life.withLock { life in
            // Run directly rather than by a signal: it is running now.
            if life.phase == .parked { life.phase = .running }
            life.ran = true
            if !life.started {
                life.started = true
                Self.running.add(1, ordering: .relaxed)
            }
            return life.memory
        }
        if let predecessor = self.predecessor.withLock({ $0 }) {
            // Its last round may need a turn: do not hold one while waiting for it.
            self.returnHeldTurn()
            await predecessor.waitUntilFinished()
            self.predecessor.withLock { $0 = nil }
        }
        if let until = memory.pauseFirst {
            memory.pauseFirst = nil
            self.returnHeldTurn()
            await self.wakeup.pause(until: until, shouldEnd: self.pauseLiftedElsewhere)
        }
        var storeFailures = 0
        while !self.wakeup.isStopped, !Task.isCancelled {
            do {
                if memory.state == nil {
                    // The read (and a pause it may resume) holds no turn.
                    self.returnHeldTurn()
                    try await self.loadState(&memory)
                    continue
                }
                // A round to a local destination waits its turn (see `RoundGate`); a worker
                // launched from parked already has it (see `signal`).
                var held: RoundGate?
                if self.takesRoundTurns {
                    if !self.takeHeldTurn() {
                        guard await self.roundGate.enter() else { continue }
                    }
                    held = self.roundGate
                }
                let turn = try await self.step(&memory, holding: held)
                storeFailures = 0
                guard case .wait(let deadline) = turn else { continue }
                if deadline == nil, self.launcher != nil {
                    if self.park(memory) { return }
                    continue
                }
                await self.wakeup.wait(until: deadline)
            } catch let lost as PartitionLeaseLost {
                self.logger.warning("Partition taken over by another instance; stopping", metadata: self.stamped(["error": "\(lost)"]))
                break
            } catch {
                storeFailures += 1
                let wait = ExponentialJitterRetryPolicy.standard.delay(afterFailures: storeFailures)
                self.logger.error("Event store failed during delivery", metadata: self.stamped(["error": "\(error)", "retry.in": "\(wait)"]))
                memory = Memory()
                await self.wakeup.pause(until: .now + wait)
            }
        }
        self.returnHeldTurn()
        self.markFinished()
    }

    /// Reads the persisted state; a pause persisted before a restart still holds (backoff,
    /// Retry-After).
    private func loadState(_ memory: inout Memory) async throws {
        let current = try await self.store.state(of: self.partition)
        memory.state = current
        if let pausedUntil = current.pausedUntil {
            let now = Timestamp.now()
            if pausedUntil > now {
                await self.wakeup.pause(until: Self.instant(at: pausedUntil, now: now), shouldEnd: self.pauseLiftedElsewhere)
            }
        }
    }

    /// Parks unless a signal came since the head was read or the worker is stopping; returns
    /// true when parked (the task must end).
    func park(_ memory: Memory) -> Bool {
        self.life.withLock { life in
            guard life.phase == .running, !self.wakeup.takeSignal() else { return false }
            life.phase = .parked
            life.memory = memory
            return true
        }
    }

    func markFinished() {
        let (counted, waiters) = self.life.withLock { life in
            life.phase = .stopped
            defer {
                life.finished = true
                life.finishWaiters = []
            }
            return (life.started && !life.finished, life.finishWaiters)
        }
        if counted { Self.running.subtract(1, ordering: .relaxed) }
        for waiter in waiters { waiter.resume() }
    }

    /// The metric handles of this partition, made on first use.
    var metrics: DeliveryMetrics {
        self.madeMetrics.withLock { made in
            if let made { return made }
            let metrics = DeliveryMetrics(partition: self.partition, type: self.type, metrics: self.environment.metrics)
            made = metrics
            return metrics
        }
    }

    /// `metadata` with the worker's own: tenant, destination id and type.
    func stamped(_ metadata: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata = metadata
        metadata["tenant.id"] = "\(self.partition.tenant)"
        metadata["destination.id"] = "\(self.partition.destination)"
        metadata["destination.type"] = "\(self.type)"
        return metadata
    }

    /// On a store shared by several instances, "retry now" may reach another instance: it clears
    /// the persisted pause and announces the tenant, which signals this worker; the pause ends
    /// when the store no longer holds it. A store one process owns needs no look.
    var pauseLiftedElsewhere: (@Sendable () async -> Bool)? {
        guard self.store.coordination.pollInterval != nil else { return nil }
        let store = self.store
        let partition = self.partition
        return {
            // A store that cannot answer keeps the pause: only a cleared pause ends it.
            guard let state = try? await store.state(of: partition) else { return false }
            return state.pausedUntil == nil
        }
    }

    static func instant(at timestamp: Timestamp, now: Timestamp) -> ContinuousClock.Instant {
        .now + timestamp.duration(since: now)
    }
}
