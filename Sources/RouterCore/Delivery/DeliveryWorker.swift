import Logging
import Metrics
import Synchronization

/// Delivers one partition (a tenant's destination): reads the head and due retries, calls the
/// destination, and commits what `DeliveryPlanner` decides.
///
/// One worker per partition, so a slow or failing destination only ever holds up itself. It runs
/// only while this instance holds the partition's lease and stops when a commit finds the lease
/// taken over.
public final class DeliveryWorker: Sendable {
    /// The queue this worker drains.
    public let partition: PartitionKey
    private let destination: any Destination
    private let store: any EventStore
    private let wakeup = Wakeup()
    private let logger: Logger
    private let metrics: DeliveryMetrics
    /// The worker this one replaces, until it has finished; then dropped, so retired workers do
    /// not pile up in a chain across reloads.
    private let predecessor: Mutex<DeliveryWorker?>
    private let finished = Wakeup()
    /// The destination call in flight, so `abort` can cancel it.
    private let inFlight = Mutex<(task: Task<[DeliveryOutcome], Never>?, aborted: Bool)>((nil, false))

    /// Workers in memory (made and not yet freed) and workers whose `run` is going, in this
    /// process: after any number of reloads and lease hand-overs both come back to the number of
    /// partitions held (`router_delivery_workers`; `scripts/soak.sh` checks it).
    static let alive = Atomic<Int>(0)
    static let running = Atomic<Int>(0)

    /// How many workers are in memory now.
    public static var aliveCount: Int { Self.alive.load(ordering: .relaxed) }
    /// How many workers are running now.
    public static var runningCount: Int { Self.running.load(ordering: .relaxed) }

    /// Creates a worker; it does nothing until `run` is called.
    public init(
        partition: PartitionKey,
        destination: any Destination,
        type: String,
        store: any EventStore,
        metrics: RouterMetrics,
        logger: Logger,
        predecessor: DeliveryWorker? = nil
    ) {
        self.predecessor = Mutex(predecessor)
        self.partition = partition
        self.destination = destination
        self.store = store
        var logger = logger
        logger[metadataKey: "tenant.id"] = "\(partition.tenant)"
        logger[metadataKey: "destination.id"] = "\(partition.destination)"
        logger[metadataKey: "destination.type"] = "\(type)"
        self.logger = logger
        self.metrics = DeliveryMetrics(partition: partition, metrics: metrics)
        Self.alive.add(1, ordering: .relaxed)
    }

    deinit {
        Self.alive.subtract(1, ordering: .relaxed)
    }

    /// Tells the worker new events may be waiting.
    public func signal() { self.wakeup.signal() }

    /// Ends a backoff pause at once, so the head and the retries made due are tried now.
    public func retryNow() { self.wakeup.liftPause() }

    /// Asks the worker to finish the batch in flight and return.
    public func stop() { self.wakeup.stop() }

    /// Stops at once: the destination call in flight is cancelled and its outcome not committed,
    /// so the batch stays at the head uncounted. Used when the lease may be lost.
    public func abort() {
        self.wakeup.stop()
        let task = self.inFlight.withLock { state in
            state.aborted = true
            return state.task
        }
        task?.cancel()
    }

    /// True once `run` has returned.
    public var isFinished: Bool { self.finished.isStopped }

    /// Waits until `run` has returned.
    public func waitUntilFinished() async {
        while !self.finished.isStopped {
            await self.finished.wait(until: nil)
        }
    }

    /// Runs until stopped or cancelled. A worker replacing another (after a config reload)
    /// starts only once its predecessor has committed its last batch.
    public func run() async {
        Self.running.add(1, ordering: .relaxed)
        defer {
            Self.running.subtract(1, ordering: .relaxed)
            self.finished.stop()
        }
        if let predecessor = self.predecessor.withLock({ $0 }) {
            await predecessor.waitUntilFinished()
            self.predecessor.withLock { $0 = nil }
        }
        var state: PartitionState?
        var storeFailures = 0
        while !self.wakeup.isStopped, !Task.isCancelled {
            do {
                let current: PartitionState
                if let state {
                    current = state
                } else {
                    current = try await self.store.state(of: self.partition)
                    // A pause persisted before a restart still holds (backoff, Retry-After).
                    if let pausedUntil = current.pausedUntil {
                        let now = Timestamp.now()
                        if pausedUntil > now {
                            await self.wakeup.pause(until: Self.instant(at: pausedUntil, now: now), shouldEnd: self.pauseLiftedElsewhere)
                        }
                    }
                }
                state = try await self.step(current)
                storeFailures = 0
            } catch let lost as PartitionLeaseLost {
                self.logger.warning("Partition taken over by another instance; stopping", metadata: ["error": "\(lost)"])
                return
            } catch {
                storeFailures += 1
                let wait = ExponentialJitterRetryPolicy.standard.delay(afterFailures: storeFailures)
                self.logger.error("Event store failed during delivery", metadata: ["error": "\(error)", "retry.in": "\(wait)"])
                state = nil
                await self.wakeup.pause(until: .now + wait)
            }
        }
    }

    /// One turn of the loop; returns the state to continue from.
    private func step(_ state: PartitionState) async throws -> PartitionState {
        self.wakeup.forgetLift()
        let limits = self.destination.batchLimits
        let now = Timestamp.now()
        var batch = try await self.store.dueRetries(in: self.partition, now: now, limit: limits.maxEvents, maxBytes: limits.maxBytes)
        let fromRetries = !batch.isEmpty
        if !fromRetries {
            batch = try await self.store.head(of: self.partition, limit: limits.maxEvents, maxBytes: limits.maxBytes)
        }
        guard !batch.isEmpty else {
            var deadline = try await self.store.nextRetry(in: self.partition).map { Self.instant(at: $0, now: now) }
            // Other instances sharing the store do not signal this one: look again after a while.
            if let poll = self.store.coordination.pollInterval {
                deadline = min(deadline ?? .now + poll, .now + poll)
            }
            await self.wakeup.wait(until: deadline)
            return state
        }
        if !fromRetries, limits.maxWait > .zero, batch.count < limits.maxEvents, state.headFailures == 0 {
            let due = batch[0].event.receivedAt.adding(limits.maxWait)
            if now < due {
                await self.wakeup.wait(until: Self.instant(at: due, now: now))
                return state
            }
        }
        // A row the store could not read never reaches the destination: it becomes a dead
        // letter (`unreadable_event`) and the rest of the batch goes on.
        let readable = batch.indices.filter { batch[$0].unreadable == nil }
        for stored in batch where stored.unreadable != nil {
            self.metrics.unreadable.increment()
            self.logger.error(
                "Stored event cannot be read; dead-lettered",
                metadata: ["event.id": "\(stored.event.id)", "event.sequence": "\(stored.sequence)", "error.message": "\(stored.unreadable?.message ?? "")"]
            )
        }
        let routed = readable.map { index in
            let stored = batch[index]
            return RoutedEvent(event: stored.event, sequence: stored.sequence, attempt: (fromRetries ? stored.failures : state.headFailures) + 1)
        }
        let started = ContinuousClock.now
        let destination = self.destination
        let delivery = Task { routed.isEmpty ? [] : await destination.deliver(routed) }
        let aborted = self.inFlight.withLock { state in
            state.task = delivery
            return state.aborted
        }
        if aborted { delivery.cancel() }
        // The call runs in its own task so `abort` can cancel it; cancelling this worker's task
        // (the server stopping) must reach it too.
        let delivered = await withTaskCancellationHandler {
            await delivery.value
        } onCancel: {
            delivery.cancel()
        }
        let abortedDuring = self.inFlight.withLock { state in
            state.task = nil
            return state.aborted
        }
        // Aborted or cancelled (the lease may be gone, the server is stopping): leave the batch
        // where it is, uncounted; whoever holds the partition next delivers it again (at least
        // once, same ids).
        if abortedDuring || Task.isCancelled { return state }
        var decided = batch.map { stored in stored.unreadable.map { DeliveryOutcome.rejected(reason: $0) } }
        for (index, outcome) in zip(readable, delivered) { decided[index] = outcome }
        let missing = FailureReason(code: "destination_error", message: "the destination gave no outcome for the event")
        let outcomes = decided.map { $0 ?? .retry(after: nil, reason: missing) }
        let elapsed = ContinuousClock.now - started
        let plan = DeliveryPlanner.plan(
            partition: self.partition,
            state: state,
            batch: batch,
            outcomes: outcomes,
            fromRetries: fromRetries,
            policy: self.destination.retryPolicy,
            now: Timestamp.now(),
            latency: elapsed
        )
        try await self.store.commit(plan.commit)
        self.metrics.record(plan, elapsed: elapsed)
        self.log(plan, batchSize: batch.count)
        if let pause = plan.pause {
            await self.wakeup.pause(until: .now + pause, shouldEnd: self.pauseLiftedElsewhere)
        }
        return plan.commit.state
    }

    private func log(_ plan: DeliveryPlanner.Plan, batchSize: Int) {
        if plan.deadLettered > 0 {
            let reason = plan.commit.deadLetters.first?.reason
            self.logger.warning(
                "Events dead-lettered",
                metadata: ["event.count": "\(plan.deadLettered)", "error.code": "\(reason?.code ?? "")", "error.message": "\(reason?.message ?? "")"]
            )
        }
        if let pause = plan.pause {
            // A whole failing head batch schedules no retries: the attempts carry the reason.
            let reason = plan.commit.attempts.lazy.compactMap(\.reason).first ?? plan.commit.retries.first?.reason
            self.logger.info(
                "Destination failing; pausing",
                metadata: [
                    "event.count": "\(batchSize)", "pause": "\(pause)", "failures": "\(plan.commit.state.headFailures)",
                    "error.code": "\(reason?.code ?? "unknown")", "error.message": "\(reason?.message ?? "")",
                ]
            )
        } else {
            self.logger.debug("Batch delivered", metadata: ["event.count": "\(batchSize)", "delivered": "\(plan.delivered)", "retried": "\(plan.retried)"])
        }
    }

    /// On a store shared by several instances, "retry now" may reach another instance: it clears
    /// the persisted pause and announces the tenant, which signals this worker; the pause ends
    /// when the store no longer holds it. A store one process owns needs no look.
    private var pauseLiftedElsewhere: (@Sendable () async -> Bool)? {
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

/// The metric handles of one partition, made once.
struct DeliveryMetrics: Sendable {
    let delivered: Counter
    let retried: Counter
    let deadLettered: Counter
    let unreadable: Counter
    let duration: Metrics.Timer

    init(partition: PartitionKey, metrics: RouterMetrics) {
        let dimensions = [("tenant", partition.tenant), ("destination", partition.destination)]
        self.delivered = metrics.counter("router_delivery_events_total", dimensions + [("outcome", "delivered")])
        self.retried = metrics.counter("router_delivery_events_total", dimensions + [("outcome", "retry")])
        self.deadLettered = metrics.counter("router_delivery_events_total", dimensions + [("outcome", "dead")])
        self.unreadable = metrics.counter("router_events_unreadable_total", dimensions)
        self.duration = metrics.timer("router_delivery_duration_seconds", dimensions)
    }

    func record(_ plan: DeliveryPlanner.Plan, elapsed: Duration) {
        if plan.delivered > 0 { self.delivered.increment(by: plan.delivered) }
        if plan.retried > 0 { self.retried.increment(by: plan.retried) }
        if plan.deadLettered > 0 { self.deadLettered.increment(by: plan.deadLettered) }
        self.duration.recordNanoseconds(Int64(ExponentialJitterRetryPolicy.seconds(elapsed) * 1e9))
    }
}
