import Logging
import Synchronization

extension DeliveryWorker {
    /// What the run loop does after a turn.
    enum Turn: Equatable {
        /// Take the next turn at once.
        case again
        /// Nothing to send: wait for a signal or the deadline (nil: none; the worker may park).
        case wait(until: ContinuousClock.Instant?)
    }

    /// One turn of the loop: read what is due, deliver it, commit the outcome.
    ///
    /// - Parameter held: the gate whose turn the caller took for this round (see `RoundGate`),
    ///   if any: the step gives it back before any pause and once the destination answered.
    func step(_ memory: inout Memory, holding held: RoundGate?) async throws -> Turn {
        var turn = held
        defer { turn?.leave() }
        guard let state = memory.state else { return .again }
        if self.wakeup.isStopped { return .again }
        self.wakeup.forgetLift()
        // Only a store this process owns can be known between turns (see `RetryHorizon`).
        let exclusive = self.store.coordination.pollInterval == nil
        let operatorAsked = self.retriesChanged.exchange(false, ordering: .relaxed)
        if operatorAsked { memory.retriesPausedUntil = nil }
        if !exclusive || operatorAsked { memory.retries = .unknown }
        let limits = self.destination.batchLimits
        let now = Timestamp.now()
        var batch: [StoredEvent] = []
        let retriesPaused = memory.retriesPausedUntil.map { now < $0 } ?? false
        if !retriesPaused, memory.retries.mayBeDue(at: now) {
            batch = try await self.store.dueRetries(in: self.partition, now: now, limit: limits.maxEvents, maxBytes: limits.maxBytes)
            // A known retry that is not there any more: look again when idle.
            if batch.isEmpty, memory.retries != .unknown { memory.retries = .unknown }
        }
        let fromRetries = !batch.isEmpty
        var drained: Bool?
        if !fromRetries {
            // With a store this process owns, every arrival signals after it is stored: one
            // taken from here on may have come after this read, and keeps the worker going.
            if exclusive { _ = self.wakeup.takeSignal() }
            let head = try await self.store.headBatch(of: self.partition, limit: limits.maxEvents, maxBytes: limits.maxBytes)
            batch = head.events
            drained = exclusive ? head.drained : nil
        }
        guard !batch.isEmpty else { return try await self.idle(&memory, now: now) }
        if !fromRetries, limits.maxWait > .zero, batch.count < limits.maxEvents, state.headFailures == 0 {
            let due = batch[0].event.receivedAt.adding(limits.maxWait)
            if now < due {
                // Linger for the batch to fill; arrivals do not cut it short (each would cost a
                // read of the head), and the head is read again after it.
                turn?.leave()
                turn = nil
                await self.wakeup.pause(until: Self.instant(at: due, now: now))
                return .again
            }
        }
        let heldTurn = turn
        turn = nil
        guard let plan = try await self.deliver(batch, fromRetries: fromRetries, state: state, called: { heldTurn?.leave() }) else { return .again }
        self.remember(plan, fromRetries: fromRetries, in: &memory)
        if let pause = plan.pause {
            turn?.leave()
            turn = nil
            await self.wakeup.pause(until: .now + pause, shouldEnd: self.pauseLiftedElsewhere)
            return .again
        }
        // The head held nothing more when it was read and nothing arrived since: idle without
        // reading it again to find it empty.
        let later = Timestamp.now()
        let retriesWait = (memory.retriesPausedUntil.map { later < $0 } ?? false) || !memory.retries.mayBeDue(at: later)
        if drained == true, retriesWait, !self.wakeup.takeSignal() {
            return try await self.idle(&memory, now: later)
        }
        return .again
    }

    /// Nothing to send: when to look again (the next retry, or the poll of a shared store; nil
    /// for only when signalled).
    private func idle(_ memory: inout Memory, now: Timestamp) async throws -> Turn {
        var deadline: ContinuousClock.Instant?
        if let pausedUntil = memory.retriesPausedUntil, now < pausedUntil {
            // A paused retry set is looked at when the pause ends, not before: no reason to ask
            // the store for its next retry meanwhile (the head is still polled below).
            deadline = Self.instant(at: pausedUntil, now: now)
        } else {
            if memory.retries == .unknown {
                memory.retries = try await self.store.nextRetry(in: self.partition).map { .at($0) } ?? RetryHorizon.none
            }
            deadline = memory.retries.due.map { Self.instant(at: $0, now: now) }
        }
        // Other instances sharing the store do not signal this one: look again after a while.
        if let poll = self.store.coordination.pollInterval {
            deadline = min(deadline ?? .now + poll, .now + poll)
        }
        return .wait(until: deadline)
    }

    /// What the worker knows after `plan` was committed.
    func remember(_ plan: DeliveryPlanner.Plan, fromRetries: Bool, in memory: inout Memory) {
        memory.state = plan.commit.state
        if fromRetries {
            memory.retries = .unknown
            // On a shared store an operator's replay or "retry now" may reach another instance,
            // which cannot end this pause: there it lasts one poll, as a look at the store would.
            let pause = plan.retrySetPause.map { pause in self.store.coordination.pollInterval.map { min(pause, $0) } ?? pause }
            memory.retriesPausedUntil = pause.map { Timestamp.now().adding($0) }
        } else if plan.delivered > 0 {
            // The destination takes events again: the retry set need not wait any longer.
            memory.retriesPausedUntil = nil
        }
        if !fromRetries, let earliest = plan.commit.retries.map(\.nextAttempt).min() {
            memory.retries = memory.retries.including(earliest)
        }
    }

    /// Sends `batch` and commits the outcome; nil when the call was aborted or cancelled (the
    /// batch then stays where it is, uncounted).
    private func deliver(_ batch: [StoredEvent], fromRetries: Bool, state: PartitionState, called: () -> Void) async throws -> DeliveryPlanner.Plan? {
        let attempt = self.prepare(batch, fromRetries: fromRetries, state: state)
        let started = ContinuousClock.now
        let delivered = await self.call(attempt.routed)
        called()
        if self.wasAborted() { return nil }
        let elapsed = ContinuousClock.now - started
        let plan = self.plan(attempt, outcomes: delivered, fromRetries: fromRetries, state: state, elapsed: elapsed)
        try await self.store.commit(plan.commit)
        self.recordCommitted(plan, attempt: attempt, elapsed: elapsed)
        return plan
    }

    /// A batch about to be sent: what the destination receives.
    struct Attempt: Sendable {
        let batch: [StoredEvent]
        /// The indices in `batch` of the events the destination receives (`routed`, in order).
        let readable: [Int]
        let routed: [RoutedEvent]
    }

    /// The events of `batch` as the destination receives them. A row the store could not read
    /// never reaches the destination: it becomes a dead letter (`unreadable_event`) and the rest
    /// of the batch goes on.
    func prepare(_ batch: [StoredEvent], fromRetries: Bool, state: PartitionState) -> Attempt {
        let readable = batch.indices.filter { batch[$0].unreadable == nil }
        for stored in batch where stored.unreadable != nil {
            self.metrics.countUnreadable()
            self.logger.error(
                "Stored event cannot be read; dead-lettered",
                metadata: self.stamped([
                    "event.id": "\(stored.event.id)", "event.sequence": "\(stored.sequence)", "error.message": "\(stored.unreadable?.message ?? "")",
                ])
            )
        }
        let routed = readable.map { index in
            let stored = batch[index]
            return RoutedEvent(event: stored.event, sequence: stored.sequence, attempt: (fromRetries ? stored.failures : state.headFailures) + 1)
        }
        return Attempt(batch: batch, readable: readable, routed: routed)
    }

    /// True when the worker was aborted during the call (the lease may be gone, the server is
    /// stopping) or its task cancelled: the batch stays where it is, uncounted, and whoever
    /// holds the partition next delivers it again (at least once, same ids).
    func wasAborted() -> Bool {
        let abortedDuring = self.inFlight.withLock { state in
            state.task = nil
            return state.aborted
        }
        return abortedDuring || Task.isCancelled
    }

    /// The commit for `attempt` once the destination answered `delivered` for its routed events.
    func plan(_ attempt: Attempt, outcomes delivered: [DeliveryOutcome], fromRetries: Bool, state: PartitionState, elapsed: Duration) -> DeliveryPlanner.Plan {
        let batch = attempt.batch
        var decided = batch.map { stored in stored.unreadable.map { DeliveryOutcome.rejected(reason: $0) } }
        for (index, outcome) in zip(attempt.readable, delivered) { decided[index] = outcome }
        let missing = FailureReason(code: "destination_error", message: "the destination gave no outcome for the event")
        let outcomes = decided.map { $0 ?? .retry(after: nil, reason: missing) }
        return DeliveryPlanner.plan(
            partition: self.partition,
            state: state,
            batch: batch,
            outcomes: outcomes,
            fromRetries: fromRetries,
            policy: self.destination.retryPolicy,
            now: Timestamp.now(),
            latency: elapsed
        )
    }

    /// Records the metrics and the log of a committed plan.
    func recordCommitted(_ plan: DeliveryPlanner.Plan, attempt: Attempt, elapsed: Duration) {
        self.metrics.record(plan, elapsed: elapsed)
        self.log(plan, batchSize: attempt.batch.count)
    }

    /// Calls the destination with `routed`. A remote call runs in its own task so that `abort`
    /// can cancel it, and cancelling this worker's task (the server stopping) reaches it too. A
    /// file append is not cancellable (it joins a sync pass that finishes either way), so it
    /// runs in this task: a round to a file then costs no task of its own, and an abort during
    /// it leaves the batch uncommitted just the same (`deliver` looks at `inFlight` after).
    private func call(_ routed: [RoutedEvent]) async -> [DeliveryOutcome] {
        if routed.isEmpty { return [] }
        let destination = self.destination
        if destination.writesFile != nil { return await destination.deliver(routed) }
        let delivery = Task { await destination.deliver(routed) }
        let aborted = self.inFlight.withLock { state in
            state.task = delivery
            return state.aborted
        }
        if aborted { delivery.cancel() }
        return await withTaskCancellationHandler {
            await delivery.value
        } onCancel: {
            delivery.cancel()
        }
    }

    private func log(_ plan: DeliveryPlanner.Plan, batchSize: Int) {
        if plan.deadLettered > 0 {
            let reason = plan.commit.deadLetters.first?.reason
            self.logger.warning(
                "Events dead-lettered",
                metadata: self.stamped([
                    "event.count": "\(plan.deadLettered)", "error.code": "\(reason?.code ?? "")", "error.message": "\(reason?.message ?? "")",
                ])
            )
        }
        if let pause = plan.pause {
            // A whole failing head batch schedules no retries: the attempts carry the reason.
            let reason = plan.commit.attempts.lazy.compactMap(\.reason).first ?? plan.commit.retries.first?.reason
            self.logger.info(
                "Destination failing; pausing",
                metadata: self.stamped([
                    "event.count": "\(batchSize)", "pause": "\(pause)", "failures": "\(plan.commit.state.headFailures)",
                    "error.code": "\(reason?.code ?? "unknown")", "error.message": "\(reason?.message ?? "")",
                ])
            )
        } else {
            self.logger.debug(
                "Batch delivered",
                metadata: self.stamped(["event.count": "\(batchSize)", "delivered": "\(plan.delivered)", "retried": "\(plan.retried)"])
            )
        }
    }
}
