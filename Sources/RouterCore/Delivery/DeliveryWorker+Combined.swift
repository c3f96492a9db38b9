extension DeliveryWorker {
    /// What a combined round does with a worker whose turn came (see `CombinedRounds`).
    enum CombinedStart {
        /// It joins the round: its head is read with the others' and delivered with them. The
        /// state is the memory's (known, since the worker joins only then).
        case joins(Memory, PartitionState)
        /// Its round is not a plain one (its state is not known, its destination failed, retries
        /// are scheduled, it lingers, it replaces another): its own task runs it.
        case alone
        /// It was stopped while it waited.
        case stopped
    }

    /// What became of the worker after its part of a combined round.
    enum CombinedEnd {
        /// It parked: its head was empty and nothing arrived since.
        case parked
        /// More may wait: it queues for another combined round.
        case again
        /// Its next round is its own task's (a pause, retries scheduled).
        case alone
        /// It was stopped meanwhile; it has finished.
        case stopped
    }

    /// Whether the worker joins the combined round about to read heads. Joining, it takes the
    /// signals so far (an arrival from now on comes after the read, and keeps it going).
    func joinCombinedRound() -> CombinedStart {
        if self.wakeup.isStopped { return .stopped }
        let memory = self.memory
        guard let state = self.plainState(memory) else { return .alone }
        self.wakeup.forgetLift()
        _ = self.wakeup.takeSignal()
        return .joins(memory, state)
    }

    /// True when the worker's next round may be part of a combined round, as far as it knows
    /// now: a worker that cannot (a new one, a successor, a failing partition) goes to its own
    /// task at once rather than waiting in the queue to be told.
    var mayJoinCombinedRound: Bool { self.plainState(self.memory) != nil }

    /// The partition state when a round of the worker would be plain: known, not failing, no
    /// retries scheduled, no linger, nothing an operator asked for, no predecessor.
    private func plainState(_ memory: Memory) -> PartitionState? {
        guard let state = memory.state, state.headFailures == 0, state.pausedUntil == nil, memory.retries == .none,
            memory.pauseFirst == nil, self.destination.batchLimits.maxWait == .zero, !self.needsOwnRound
        else { return nil }
        return state
    }

    /// After a combined round found the head empty: parks, or queues again when an event
    /// arrived since the read.
    func endEmptyCombinedRound(_ memory: Memory) -> CombinedEnd {
        if self.park(memory) { return .parked }
        return self.wakeup.isStopped ? .stopped : .again
    }

    /// After a combined round committed `plan` for the batch read as `head`: what next.
    func endCombinedRound(_ plan: DeliveryPlanner.Plan, head: HeadBatch, memory: Memory) -> CombinedEnd {
        var memory = memory
        self.remember(plan, fromRetries: false, in: &memory)
        if self.wakeup.isStopped { return .stopped }
        if let pause = plan.pause {
            // The own task waits first, as `step` does after such a plan.
            memory.pauseFirst = .now + pause
            self.keep(memory)
            return .alone
        }
        if memory.retries != .none {
            self.keep(memory)
            return .alone
        }
        if head.drained == true, self.park(memory) { return .parked }
        if self.wakeup.isStopped { return .stopped }
        self.keep(memory)
        return .again
    }

    /// After the store failed in a combined round: the own task starts over from the store's
    /// state, and backs off if it fails again.
    func endFailedCombinedRound() {
        self.keep(Memory())
    }
}
