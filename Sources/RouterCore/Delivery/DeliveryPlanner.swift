/// Decides what a finished delivery attempt changes: the pure core of a delivery worker.
///
/// It never does I/O, logs or sleeps. Rules:
/// - If every outcome of a batch from the head is `.retry`, the destination as a whole is failing:
///   the head stays where it is (events keep their order) and the worker pauses with backoff (at
///   least as long as any `Retry-After`). Past the retry policy's limit the batch becomes dead
///   letters. A failing batch from the retry set reschedules its own events; when it held
///   several events, the retry set (not the head) pauses for the least-failed one's backoff.
/// - Otherwise the batch leaves the head: delivered events are done, rejected ones become
///   dead letters, and retried ones wait in the retry set with their own backoff.
public enum DeliveryPlanner {
    /// The longest pause a `Retry-After` can impose.
    public static let maxRequestedPause: Duration = .seconds(3600)

    /// What to write and how long to pause.
    public struct Plan: Sendable, Equatable {
        /// The store changes.
        public var commit: DeliveryCommit
        /// How long the worker waits before its next attempt; nil to go on at once.
        public var pause: Duration?
        /// After a batch from the retry set that failed as a whole: how long the worker leaves
        /// the retry set alone (the head goes on). A destination that is down is then tried one
        /// batch per backoff, not through every due retry at once (a replay of a million dead
        /// letters to a destination still down would otherwise attempt them all in a minute).
        public var retrySetPause: Duration?
        /// Events delivered.
        public var delivered: Int
        /// Events scheduled for another attempt.
        public var retried: Int
        /// Events parked as dead letters.
        public var deadLettered: Int
    }

    /// Plans the commit for one batch.
    ///
    /// - Parameters:
    ///   - partition: the queue the batch came from.
    ///   - state: the partition state before the attempt.
    ///   - batch: the events attempted, in order.
    ///   - outcomes: the destination's answer, one per event.
    ///   - fromRetries: true when the batch came from the retry set rather than the head.
    ///   - policy: the destination's retry policy.
    ///   - now: the current time.
    ///   - latency: how long the destination took, for the delivery record.
    public static func plan(
        partition: PartitionKey,
        state: PartitionState,
        batch: [StoredEvent],
        outcomes: [DeliveryOutcome],
        fromRetries: Bool,
        policy: any RetryPolicy,
        now: Timestamp,
        latency: Duration = .zero
    ) -> Plan {
        var outcomes = outcomes
        if outcomes.count != batch.count {
            let reason = FailureReason(
                code: "destination_error",
                message: "the destination returned \(outcomes.count) outcomes for \(batch.count) events"
            )
            outcomes = Array(repeating: .retry(after: nil, reason: reason), count: batch.count)
        }
        var commit = DeliveryCommit(partition: partition, state: state)
        var plan = Plan(commit: commit, pause: nil, retrySetPause: nil, delivered: 0, retried: 0, deadLettered: 0)
        guard !batch.isEmpty else { return plan }

        // Failures so far and first failure, per event; fresh events inherit the head's history.
        func history(_ event: StoredEvent) -> (failures: Int, first: Timestamp?) {
            fromRetries ? (event.failures, event.firstFailure) : (state.headFailures, state.failingSince)
        }
        let latencyMilliseconds = latency.components.seconds * 1000 + latency.components.attoseconds / 1_000_000_000_000_000
        commit.attempts = zip(batch, outcomes).map { event, outcome in
            let attempt = history(event).failures + 1
            switch outcome {
            case .delivered:
                return AttemptRecord(sequence: event.sequence, attempt: attempt, at: now, outcome: .delivered, reason: nil, latencyMilliseconds: latencyMilliseconds)
            case .retry(_, let reason):
                return AttemptRecord(sequence: event.sequence, attempt: attempt, at: now, outcome: .retry, reason: reason, latencyMilliseconds: latencyMilliseconds)
            case .rejected(let reason):
                return AttemptRecord(sequence: event.sequence, attempt: attempt, at: now, outcome: .rejected, reason: reason, latencyMilliseconds: latencyMilliseconds)
            }
        }

        if outcomes.allSatisfy(\.isRetry) {
            var newState = state
            let requested = outcomes.compactMap { outcome -> Duration? in
                if case .retry(let after?, _) = outcome { return min(after, Self.maxRequestedPause) }
                return nil
            }.max()
            let pause: Duration
            if fromRetries {
                // The head's own history is untouched: fresh events must not inherit these.
                let failures = (batch.map(\.failures).max() ?? 0) + 1
                pause = max(policy.delay(afterFailures: failures), requested ?? .zero)
            } else {
                newState.headFailures += 1
                newState.failingSince = state.failingSince ?? now
                pause = max(policy.delay(afterFailures: newState.headFailures), requested ?? .zero)
                newState.pausedUntil = now.adding(pause)
            }
            let failingSince = newState.failingSince ?? now
            if fromRetries {
                for (event, outcome) in zip(batch, outcomes) {
                    guard case .retry(_, let reason) = outcome else { continue }
                    let failures = event.failures + 1
                    let first = event.firstFailure ?? now
                    if policy.shouldGiveUp(failures: failures, firstFailure: first, now: now) {
                        commit.deadLetters.append(.init(sequence: event.sequence, eventID: event.event.id, attempts: failures, reason: reason, failedAt: now))
                        commit.finishedRetries.append(event.sequence)
                        plan.deadLettered += 1
                    } else {
                        commit.retries.append(.init(sequence: event.sequence, failures: failures, nextAttempt: now.adding(pause), firstFailure: first, reason: reason))
                        plan.retried += 1
                    }
                }
            } else if policy.shouldGiveUp(failures: newState.headFailures, firstFailure: failingSince, now: now) {
                for (event, outcome) in zip(batch, outcomes) {
                    guard case .retry(_, let reason) = outcome else { continue }
                    commit.deadLetters.append(
                        .init(sequence: event.sequence, eventID: event.event.id, attempts: newState.headFailures, reason: reason, failedAt: now)
                    )
                    plan.deadLettered += 1
                }
                newState = PartitionState()
                commit.taken = batch.map(\.sequence)
            } else {
                plan.retried = batch.count
            }
            commit.state = newState
            plan.commit = commit
            // Retried events wait on their own schedule; only a failing head pauses the worker, so
            // one poisoned event never holds up the events behind it. A failing retry batch pauses
            // only the retry set.
            plan.pause = fromRetries ? nil : pause
            // The retry set pauses only when the batch looks like an outage: several events that
            // all failed (one event the receiver refuses is that event's problem), some of them
            // still waiting. Its length is the backoff of the least-failed event, so one event
            // deep in its schedule does not hold the others for hours.
            if fromRetries, batch.count > 1, plan.retried > 0 {
                plan.retrySetPause = max(policy.delay(afterFailures: (batch.map(\.failures).min() ?? 0) + 1), requested ?? .zero)
            }
            return plan
        }

        var newState = state
        newState.headFailures = 0
        newState.failingSince = nil
        newState.pausedUntil = nil
        if !fromRetries { commit.taken = batch.map(\.sequence) }
        for (event, outcome) in zip(batch, outcomes) {
            let (failures, first) = history(event)
            switch outcome {
            case .delivered:
                plan.delivered += 1
                if fromRetries { commit.finishedRetries.append(event.sequence) }
            case .rejected(let reason):
                commit.deadLetters.append(.init(sequence: event.sequence, eventID: event.event.id, attempts: failures + 1, reason: reason, failedAt: now))
                if fromRetries { commit.finishedRetries.append(event.sequence) }
                plan.deadLettered += 1
            case .retry(let after, let reason):
                let attempts = failures + 1
                let firstFailure = first ?? now
                if policy.shouldGiveUp(failures: attempts, firstFailure: firstFailure, now: now) {
                    commit.deadLetters.append(.init(sequence: event.sequence, eventID: event.event.id, attempts: attempts, reason: reason, failedAt: now))
                    if fromRetries { commit.finishedRetries.append(event.sequence) }
                    plan.deadLettered += 1
                } else {
                    let wait = max(policy.delay(afterFailures: attempts), min(after ?? .zero, Self.maxRequestedPause))
                    commit.retries.append(.init(sequence: event.sequence, failures: attempts, nextAttempt: now.adding(wait), firstFailure: firstFailure, reason: reason))
                    plan.retried += 1
                }
            }
        }
        commit.state = newState
        plan.commit = commit
        return plan
    }
}
