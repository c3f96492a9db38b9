import CoreMetrics
import Logging
import ServiceLifecycle
import Synchronization

/// Runs one `DeliveryWorker` per tenant × destination that this instance holds the lease of, as
/// a `Service`, and swaps workers when the configuration is reloaded.
///
/// Leases: every second (or `leaseDuration / 3`, if shorter) the supervisor takes or renews the leases of every configured
/// partition (`EventStore.lease`); it starts workers for the partitions it holds and stops those
/// it lost. When renewing fails for longer than two thirds of the lease, it stops every worker
/// before another instance can take the partitions over, so two instances never deliver one
/// partition at once while their leases are valid. A store only one process uses grants every
/// lease at once, so this costs nothing there.
///
/// On graceful shutdown every worker finishes the batch it is delivering, commits it and
/// returns; then the leases are released so another instance takes over at once. Events not yet
/// attempted stay in the store.
public final class DeliverySupervisor: Service {
    /// What identifies a destination's configuration: a change of any part starts a new worker.
    /// Settings and transforms compare as written (`WrittenJSON`), as the loader does: a setting
    /// edited from `1` to `1.0` is forwarded as its text, so it is a change.
    struct Fingerprint: Equatable {
        let type: String
        let settings: JSONValue
        let events: Set<RetentionEventType>?
        let transform: JSONValue?

        /// Settings and transform compare as written (`1` and `1.0` differ), walked directly:
        /// a `WrittenJSON` would hash both on every comparison, thousands of them per reload.
        static func == (lhs: Fingerprint, rhs: Fingerprint) -> Bool {
            guard lhs.type == rhs.type, lhs.events == rhs.events, lhs.settings.isWrittenAlike(rhs.settings) else { return false }
            switch (lhs.transform, rhs.transform) {
            case (nil, nil): return true
            case (let left?, let right?): return left.isWrittenAlike(right)
            default: return false
            }
        }
    }

    /// A configured partition. A class, so the maps of thousands of partitions hold a pointer
    /// per slot rather than the whole configuration (dictionaries keep spare slots).
    private final class Desired: Sendable {
        let configured: ConfiguredDestination

        init(configured: ConfiguredDestination) {
            self.configured = configured
        }

        var fingerprint: Fingerprint {
            Fingerprint(
                type: self.configured.type,
                settings: self.configured.settings,
                events: self.configured.events,
                transform: self.configured.transform?.source
            )
        }
    }

    private struct Entry {
        let worker: DeliveryWorker
        /// What the worker was made for (or an equal configuration applied since).
        var desired: Desired
        var fingerprint: Fingerprint { self.desired.fingerprint }
    }

    private struct State {
        /// The configured partitions.
        var desired: [PartitionKey: Desired] = [:]
        /// The partitions this instance holds the lease of.
        var held: Set<PartitionKey> = []
        /// Held partitions above the fair share: their workers stop, then the leases go.
        var handingOff: Set<PartitionKey> = []
        /// The running workers: desired ∩ held, minus those handed off.
        var entries: [PartitionKey: Entry] = [:]
        /// Workers stopped that may still be finishing a batch; a worker that later takes their
        /// partition again waits for them, so one partition never has two.
        var retiring: [PartitionKey: DeliveryWorker] = [:]
        var shuttingDown = false
        /// Cancels deliveries still in flight once the shutdown grace has passed.
        var shutdownDeadline: Task<Void, any Error>?
    }

    /// What `apply` changed.
    public struct Changes: Sendable, Equatable {
        public var added: [PartitionKey] = []
        public var changed: [PartitionKey] = []
        public var removed: [PartitionKey] = []
        public var unchanged: [PartitionKey] = []
    }

    private let store: any EventStore
    private let metrics: RouterMetrics
    private let logger: Logger
    private let state = Mutex(State())
    private let leaseWakeup = Wakeup()
    /// Tasks to add to `run`'s group: workers' runs and combined rounds.
    private let starts: AsyncStream<@Sendable () async -> Void>
    private let startContinuation: AsyncStream<@Sendable () async -> Void>.Continuation
    /// What every worker shares; its launcher runs a parked worker again the way it was first
    /// run: as a task of `run`'s group.
    private let workerEnvironment: DeliveryWorker.Environment

    /// How long deliveries in flight may finish after shutdown is asked for; then they are
    /// cancelled and their events stay pending for the next start. Together with releasing the
    /// leases this keeps a stop within 15 seconds however long a destination's timeout is.
    public static let defaultShutdownGrace: Duration = .seconds(8)
    private let shutdownGrace: Duration

    /// Creates a supervisor for the given tenants; workers start once `run` holds their leases.
    public init(
        store: any EventStore,
        tenants: [TenantConfiguration],
        metrics: RouterMetrics,
        logger: Logger,
        shutdownGrace: Duration = DeliverySupervisor.defaultShutdownGrace
    ) {
        self.shutdownGrace = shutdownGrace
        self.store = store
        self.metrics = metrics
        self.logger = logger
        (self.starts, self.startContinuation) = AsyncStream.makeStream()
        let starts = self.startContinuation
        let gate = RoundGate()
        let combinedRounds = CombinedRounds(gate: gate, store: store, logger: logger) { job in
            if case .terminated = starts.yield(job) { return false }
            return true
        }
        self.workerEnvironment = DeliveryWorker.Environment(
            store: store,
            logger: logger,
            metrics: metrics,
            roundGate: gate,
            combinedRounds: combinedRounds
        ) { worker in
            if case .terminated = starts.yield({ await worker.run() }) { return false }
            return true
        }
        _ = self.apply(tenants)
    }

    /// Makes the configured partitions match `tenants`: new destinations start (once leased),
    /// changed ones restart with the new settings (after the old worker commits its batch),
    /// removed ones stop. The backlog of a removed destination stays in the store.
    @discardableResult
    public func apply(_ tenants: [TenantConfiguration]) -> Changes {
        var desired: [PartitionKey: Desired] = [:]
        for tenant in tenants {
            for configured in tenant.destinations {
                desired[PartitionKey(tenant: tenant.name, destination: configured.id)] = Desired(configured: configured)
            }
        }
        var changes = Changes()
        let (toStart, toStop) = self.state.withLock { state in
            for partition in state.desired.keys where desired[partition] == nil {
                changes.removed.append(partition)
            }
            for (partition, wanted) in desired {
                if let previous = state.desired[partition] {
                    if previous.fingerprint == wanted.fingerprint {
                        changes.unchanged.append(partition)
                    } else {
                        changes.changed.append(partition)
                    }
                } else {
                    changes.added.append(partition)
                }
            }
            state.desired = desired
            return self.reconcile(&state)
        }
        // A retired worker's delivery in flight is cancelled at once: its batch stays at the
        // head and the new worker sends it with the new settings (same ids).
        self.launch(toStart, stopping: toStop, abort: true)
        // New partitions need their leases: ask now rather than at the next renewal.
        if !changes.added.isEmpty { self.leaseWakeup.signal() }
        return changes
    }

    /// Starts and stops workers so that they run for exactly the desired partitions this
    /// instance holds, with their current settings. Call with the lock held.
    private func reconcile(_ state: inout State) -> (start: [DeliveryWorker], stop: [DeliveryWorker]) {
        var toStart: [DeliveryWorker] = []
        var toStop: [DeliveryWorker] = []
        for (partition, entry) in state.entries {
            let wanted = state.desired[partition]
            let same = wanted.map { $0 === entry.desired || $0.fingerprint == entry.fingerprint } ?? false
            let keep = same && state.held.contains(partition)
                && !state.handingOff.contains(partition) && !entry.worker.isFinished
            if keep, let wanted, wanted !== entry.desired {
                // The same configuration reloaded: keep the worker, let the old copy go.
                state.entries[partition]?.desired = wanted
            }
            if !keep {
                toStop.append(entry.worker)
                state.retiring[partition] = entry.worker
                state.entries[partition] = nil
            }
        }
        guard !state.shuttingDown else { return (toStart, toStop) }
        for (partition, wanted) in state.desired
        where state.held.contains(partition) && !state.handingOff.contains(partition) && state.entries[partition] == nil {
            let worker = DeliveryWorker(
                partition: partition,
                destination: wanted.configured.destination,
                type: wanted.configured.type,
                environment: self.workerEnvironment,
                predecessor: state.retiring[partition]
            )
            state.retiring[partition] = nil
            state.entries[partition] = Entry(worker: worker, desired: wanted)
            toStart.append(worker)
        }
        return (toStart, toStop)
    }

    /// Stops `toStop` and sets every worker of `toStart` (made parked) going.
    private func launch(_ toStart: [DeliveryWorker], stopping toStop: [DeliveryWorker], abort: Bool = false) {
        for worker in toStop {
            if abort { worker.abort() } else { worker.stop() }
        }
        for worker in toStart { worker.signal() }
    }

    /// Sets going the workers of `toStart` whose partition may have work, as the store tells in
    /// one query; the others stay parked until their first event signals them. A worker that
    /// replaces another always looks (its predecessor may have left a batch at the head). The
    /// workers exist before the query, so an event stored after it signals its worker.
    private func start(_ toStart: [DeliveryWorker]) async {
        let fresh = Set(toStart.lazy.filter { !$0.replacesAnother }.map(\.partition))
        let withWork = fresh.isEmpty ? nil : (try? await self.store.partitionsWithWork(among: fresh)) ?? nil
        for worker in toStart {
            if worker.replacesAnother || withWork?.contains(worker.partition) ?? true {
                worker.signal()
            } else {
                worker.startsIdle()
            }
        }
    }

    /// Wakes the workers of `tenant` for the given destinations.
    public func notify(tenant: String, destinations: some Sequence<String>) {
        let woken = self.state.withLock { state in
            destinations.compactMap { state.entries[PartitionKey(tenant: tenant, destination: $0)]?.worker }
        }
        if !woken.isEmpty { self.workerEnvironment.roundGate.noteArrival() }  // see `tuneRoundGate`
        for worker in woken { worker.signal() }
    }

    /// Wakes every worker of `tenant` (events for it arrived through another instance).
    public func notify(tenant: String) {
        let woken = self.state.withLock { state in
            state.entries.filter { $0.key.tenant == tenant }.map(\.value.worker)
        }
        for worker in woken { worker.signal() }
    }

    /// Wakes the workers of the given partitions after a replay: retries may be due.
    public func notify(_ partitions: some Sequence<PartitionKey>) {
        let woken = self.state.withLock { state in partitions.compactMap { state.entries[$0]?.worker } }
        for worker in woken { worker.retriesMayBeDue() }
    }

    /// Ends the backoff pause of `partition`'s worker on this instance and wakes it ("retry now").
    public func retryNow(_ partition: PartitionKey) {
        let worker = self.state.withLock { $0.entries[partition]?.worker }
        worker?.retryNow()
    }

    public func run() async throws {
        self.logger.notice("Delivery started", metadata: ["partition.count": "\(self.state.withLock { $0.desired.count })"])
        await withGracefulShutdownHandler {
            // Discarding: a finished worker's task is released at once, so nothing grows with
            // uptime however many workers reloads and lease hand-overs start.
            await withDiscardingTaskGroup { group in
                group.addTask { await self.keepLeases() }
                // Rounds take turns only on a store this process owns (`DeliveryWorker.takesRoundTurns`).
                if self.store.coordination.pollInterval == nil {
                    group.addTask { await self.tuneRoundGate() }
                }
                for await job in self.starts {
                    group.addTask { await job() }
                }
            }
        } onGracefulShutdown: {
            self.logger.notice("Shutdown requested: intake stops; finishing in-flight deliveries", metadata: ["grace": "\(self.shutdownGrace)"])
            let workers = self.state.withLock { state in
                state.shuttingDown = true
                return state.entries.values.map(\.worker) + state.retiring.values
            }
            self.startContinuation.finish()
            self.leaseWakeup.stop()
            for worker in workers { worker.stop() }
            // A destination that does not answer must not hold the exit for its whole timeout.
            let grace = self.shutdownGrace
            let logger = self.logger
            let deadline = Task {
                try await Task.sleep(for: grace)
                let unfinished = workers.filter { !$0.isFinished }
                if !unfinished.isEmpty {
                    logger.warning("Deliveries still in flight after the grace period are cancelled; their events stay pending", metadata: ["worker.count": "\(unfinished.count)"])
                }
                for worker in unfinished { worker.abort() }
            }
            self.state.withLock { $0.shutdownDeadline = deadline }
        }
        self.state.withLock { $0.shutdownDeadline }?.cancel()
        // Every worker has committed its last batch: hand the partitions over at once.
        let held = self.state.withLock { $0.held }
        do {
            try await self.store.releaseLeases(held, leaving: true)
        } catch {
            self.logger.warning("Could not release partition leases; they expire on their own", metadata: ["error": "\(error)"])
        }
        // A store counting a huge backlog must not hold the exit up: two seconds, else "unknown".
        let store = self.store
        let pending = try? await withDeadline(.seconds(2)) {
            try await store.statistics().partitions.values.reduce(0) { $0 + $1.backlog }
        }
        self.logger.notice(
            "Delivery stopped",
            metadata: ["events.pending": "\(pending.map(String.init) ?? "unknown")", "note": "pending events are delivered after the next start"]
        )
    }

    /// Widens the round gate once no events arrived for 50 ms and narrows it as soon as they do
    /// (see `RoundGate`), until shutdown. It looks every 10 ms while rounds wait their turn, so
    /// the narrowing comes at once and the widening within 60 ms of the last arrival; a gap of
    /// a few milliseconds in a moderate load does not count as the end of a burst.
    private func tuneRoundGate() async {
        let gate = self.workerEnvironment.roundGate
        let quiet = Duration.milliseconds(50)
        var seen = gate.arrivalCount
        var quietSince = ContinuousClock.now
        while !self.leaseWakeup.isStopped, !Task.isCancelled {
            try? await Task.sleep(for: gate.mayHaveWaiters ? .milliseconds(10) : quiet)
            let arrived = gate.arrivalCount != seen
            if arrived { quietSince = .now }
            if arrived || ContinuousClock.now - quietSince >= quiet {
                seen = gate.tune(seen: seen)
                // Widened: the partitions waiting for combined rounds drain with more at once.
                if !arrived { self.workerEnvironment.combinedRounds?.reconsider() }
            }
        }
    }

    /// Takes and renews leases until shutdown, starting and stopping workers to match.
    private func keepLeases() async {
        let coordination = self.store.coordination
        // Often enough to renew well before expiry, and to pick up partitions another instance
        // released or lost within about a second. A store one process owns grants every lease
        // at once and no other instance takes any (`apply` asks at once for new partitions):
        // the pass over every partition is then only a safety net, and with thousands of them
        // not worth making every second.
        let renewEvery = coordination == .exclusive ? coordination.leaseDuration / 3 : min(coordination.leaseDuration / 3, .seconds(1))
        var lastRenewal: ContinuousClock.Instant?
        var failures = 0
        var nextExpiry: Duration?
        while !self.leaseWakeup.isStopped, !Task.isCancelled {
            let wanted = self.state.withLock { state in Set(state.desired.keys) }
            let started = ContinuousClock.now
            do {
                // A call that hangs must not outlive the leases it renews.
                let store = self.store
                // More slack than the renewal interval: a busy pool is not a lost lease.
                let grant = try await withDeadline(coordination.leaseDuration / 4) { try await store.lease(wanted) }
                let (released, toStart, toStop) = self.state.withLock { state in
                    state.retiring = state.retiring.filter { !$0.value.isFinished }
                    let held = grant.held
                    let gained = held.subtracting(state.held)
                    let lost = state.held.subtracting(held).intersection(wanted)
                    if !gained.isEmpty || !lost.isEmpty {
                        self.logger.info("Partition leases changed", metadata: ["gained": "\(gained.count)", "lost": "\(lost.count)", "held": "\(held.count)", "share": "\(grant.share == .max ? "all" : String(grant.share))"])
                    }
                    state.held = held.union(state.held.subtracting(wanted))
                    state.handingOff.formIntersection(state.held)
                    // Above the fair share (another instance joined): hand the excess over,
                    // newest-sorted first, stopping their workers before the leases go.
                    let excess = state.held.intersection(wanted).count - state.handingOff.count - grant.share
                    if excess > 0 {
                        let candidates = state.held.intersection(wanted).subtracting(state.handingOff).sorted {
                            ($0.tenant, $0.destination) > ($1.tenant, $1.destination)
                        }
                        state.handingOff.formUnion(candidates.prefix(excess))
                    }
                    // Leases of partitions no longer configured or handed off go once their
                    // worker has committed its last batch.
                    let releasable = state.held.subtracting(wanted).union(state.handingOff).filter { partition in
                        state.entries[partition] == nil && (state.retiring[partition]?.isFinished ?? true)
                    }
                    state.held.subtract(releasable)
                    state.handingOff.subtract(releasable)
                    let (start, stop) = self.reconcile(&state)
                    return (releasable, start, stop)
                }
                self.launch([], stopping: toStop)
                await self.start(toStart)
                if !released.isEmpty {
                    do {
                        try await self.store.releaseLeases(released, leaving: false)
                    } catch {
                        // They expire on their own; renewing works, so delivery goes on.
                        self.logger.warning("Could not release partition leases", metadata: ["error": "\(error)"])
                    }
                }
                let (heldCount, running) = self.state.withLock { ($0.held.count, $0.entries.count) }
                self.metrics.gauge("router_partitions_held", []).record(heldCount)
                self.metrics.gauge("router_partitions_delivering", []).record(running)
                lastRenewal = started
                failures = 0
                nextExpiry = grant.nextExpiry
            } catch {
                failures += 1
                self.logger.error("Could not renew partition leases", metadata: ["error": "\(error)", "failures": "\(failures)"])
                // Past two thirds of the lease another instance may take over soon: stop first,
                // cancelling calls in flight, so two instances never deliver one partition.
                if let last = lastRenewal, ContinuousClock.now - last > coordination.leaseDuration * 2 / 3 {
                    let toStop = self.state.withLock { state in
                        state.held = []
                        return self.reconcile(&state).stop
                    }
                    if !toStop.isEmpty {
                        self.logger.warning("Stopped delivery until the leases can be renewed", metadata: ["partition.count": "\(toStop.count)"])
                    }
                    self.launch([], stopping: toStop, abort: true)
                    lastRenewal = nil
                }
            }
            var wait = failures == 0 ? renewEvery : min(renewEvery, ExponentialJitterRetryPolicy.standard.delay(afterFailures: failures))
            // Ask again just after another instance's lease runs out, to take over at once.
            if failures == 0, let expiry = nextExpiry { wait = min(wait, expiry + .milliseconds(5)) }
            await self.leaseWakeup.wait(until: .now + wait)
        }
    }
}
