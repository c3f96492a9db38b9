import RouterCore
import RouterTesting
import Testing

struct DeliveryPlannerTests {
    let partition = PartitionKey(tenant: "acme", destination: "segment")
    let now = Timestamp(millisecondsSince1970: 1_700_000_000_000)
    let policy = ExponentialJitterRetryPolicy(base: .seconds(1), cap: .seconds(8), jitter: 0, maxAttempts: 3, giveUpAfter: nil)
    let reason = FailureReason(code: "http_500", message: "boom", status: 500)

    private func batch(_ count: Int, from first: Int64 = 1) -> [StoredEvent] {
        (0..<count).map { Fixtures.storedEvent(id: "e\(first + Int64($0))", sequence: first + Int64($0)) }
    }

    @Test func deliveredBatchLeavesTheHead() {
        let plan = DeliveryPlanner.plan(
            partition: self.partition, state: PartitionState(), batch: self.batch(3),
            outcomes: [.delivered, .delivered, .delivered], fromRetries: false, policy: self.policy, now: self.now
        )
        #expect(plan.commit.state == PartitionState())
        #expect(plan.commit.taken == [1, 2, 3])
        #expect(plan.delivered == 3)
        #expect(plan.pause == nil)
        #expect(plan.commit.retries.isEmpty && plan.commit.deadLetters.isEmpty)
    }

    @Test func wholeBatchFailureHoldsTheHeadAndPauses() {
        let plan = DeliveryPlanner.plan(
            partition: self.partition, state: PartitionState(), batch: self.batch(2, from: 8),
            outcomes: [.retry(after: nil, reason: self.reason), .retry(after: .seconds(30), reason: self.reason)],
            fromRetries: false, policy: self.policy, now: self.now
        )
        #expect(plan.commit.state == PartitionState(headFailures: 1, failingSince: self.now, pausedUntil: self.now.adding(.seconds(30))))
        #expect(plan.commit.taken.isEmpty)
        #expect(plan.pause == .seconds(30))
        #expect(plan.commit.attempts.map(\.outcome) == [.retry, .retry])
        #expect(plan.commit.attempts.map(\.attempt) == [1, 1])
        #expect(plan.commit.retries.isEmpty)
        #expect(plan.retried == 2)
    }

    @Test func headBatchBecomesDeadLettersWhenThePolicyGivesUp() {
        let state = PartitionState(headFailures: 2, failingSince: self.now.adding(.seconds(-60)))
        let plan = DeliveryPlanner.plan(
            partition: self.partition, state: state, batch: self.batch(2, from: 8),
            outcomes: [.retry(after: nil, reason: self.reason), .retry(after: nil, reason: self.reason)],
            fromRetries: false, policy: self.policy, now: self.now
        )
        #expect(plan.commit.state == PartitionState())
        #expect(plan.commit.taken == [8, 9])
        #expect(plan.commit.deadLetters.map(\.eventID) == ["e8", "e9"])
        #expect(plan.commit.deadLetters.first?.attempts == 3)
        #expect(plan.deadLettered == 2)
    }

    @Test func mixedOutcomesSplitIntoDoneRetriesAndDeadLetters() {
        let rejected = FailureReason(code: "http_400", message: "bad", status: 400)
        let plan = DeliveryPlanner.plan(
            partition: self.partition, state: PartitionState(), batch: self.batch(3),
            outcomes: [.delivered, .retry(after: nil, reason: self.reason), .rejected(reason: rejected)],
            fromRetries: false, policy: self.policy, now: self.now
        )
        #expect(plan.commit.state == PartitionState())
        #expect(plan.commit.taken == [1, 2, 3])
        #expect(plan.commit.retries.map(\.sequence) == [2])
        #expect(plan.commit.retries.first?.nextAttempt == self.now.adding(.seconds(1)))
        #expect(plan.commit.retries.first?.failures == 1)
        #expect(plan.commit.deadLetters.map(\.sequence) == [3])
        #expect(plan.commit.deadLetters.first?.reason == rejected)
        #expect(plan.pause == nil)
        #expect(plan.commit.attempts.map(\.outcome) == [.delivered, .retry, .rejected])
        #expect(plan.commit.attempts[2].reason == rejected)
    }

    @Test func retriedEventsFinishOrBackOffIndividually() {
        var first = Fixtures.storedEvent(id: "a", sequence: 4)
        first.failures = 1
        first.firstFailure = self.now.adding(.seconds(-5))
        var second = Fixtures.storedEvent(id: "b", sequence: 5)
        second.failures = 2
        second.firstFailure = self.now.adding(.seconds(-9))
        let plan = DeliveryPlanner.plan(
            partition: self.partition, state: PartitionState(), batch: [first, second],
            outcomes: [.delivered, .retry(after: nil, reason: self.reason)], fromRetries: true, policy: self.policy, now: self.now
        )
        #expect(plan.commit.taken.isEmpty)
        #expect(plan.commit.finishedRetries == [4, 5])
        #expect(plan.commit.deadLetters.map(\.eventID) == ["b"])
        #expect(plan.commit.deadLetters.first?.attempts == 3)
    }

    @Test func aWrongNumberOfOutcomesIsTreatedAsAFailureNotADelivery() {
        let plan = DeliveryPlanner.plan(
            partition: self.partition, state: PartitionState(), batch: self.batch(2),
            outcomes: [.delivered], fromRetries: false, policy: self.policy, now: self.now
        )
        #expect(plan.commit.taken.isEmpty)
        #expect(plan.delivered == 0)
        #expect(plan.pause != nil)
    }

    @Test func exponentialDelaysDoubleUpToTheCap() {
        #expect((1...6).map { self.policy.delay(afterFailures: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
        let jittered = ExponentialJitterRetryPolicy(base: .seconds(10), cap: .seconds(100), jitter: 0.2)
        for _ in 0..<50 {
            let delay = jittered.delay(afterFailures: 1)
            #expect(delay >= .seconds(10) && delay <= .seconds(12))
        }
    }

    @Test func scheduledPolicyFollowsItsScheduleAndGivesUpAfterIt() {
        let schedule = ScheduledRetryPolicy(delays: [.seconds(5), .seconds(300)], jitter: 0)
        #expect(schedule.delay(afterFailures: 1) == .seconds(5))
        #expect(schedule.delay(afterFailures: 2) == .seconds(300))
        #expect(!schedule.shouldGiveUp(failures: 2, firstFailure: self.now, now: self.now))
        #expect(schedule.shouldGiveUp(failures: 3, firstFailure: self.now, now: self.now))
        let standard = ExponentialJitterRetryPolicy.standard
        #expect(!standard.shouldGiveUp(failures: 100, firstFailure: self.now, now: self.now.adding(.seconds(3600))))
        #expect(standard.shouldGiveUp(failures: 100, firstFailure: self.now, now: self.now.adding(.seconds(12 * 3600))))
    }
}

struct DeliveryPlannerRetrySetTests {
    let partition = PartitionKey(tenant: "acme", destination: "hook")
    let now = Timestamp(millisecondsSince1970: 1_700_000_000_000)
    let policy = ExponentialJitterRetryPolicy(base: .seconds(1), cap: .seconds(8), jitter: 0, maxAttempts: 10, giveUpAfter: nil)

    @Test func aFailingRetryBatchLeavesTheHeadAloneAndDoesNotPauseIt() {
        var event = Fixtures.storedEvent(id: "poisoned", sequence: 3)
        event.failures = 3
        event.firstFailure = self.now.adding(.seconds(-60))
        let reason = FailureReason(code: "http_500", message: "boom", status: 500)
        let plan = DeliveryPlanner.plan(
            partition: self.partition, state: PartitionState(), batch: [event],
            outcomes: [.retry(after: nil, reason: reason)], fromRetries: true, policy: self.policy, now: self.now
        )
        #expect(plan.commit.state == PartitionState())
        #expect(plan.commit.taken.isEmpty)
        #expect(plan.pause == nil)
        #expect(plan.commit.retries.first?.failures == 4)
        #expect(plan.commit.retries.first?.nextAttempt == self.now.adding(.seconds(8)))
    }
}
