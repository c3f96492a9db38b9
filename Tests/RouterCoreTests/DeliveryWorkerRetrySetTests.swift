import Logging
import RouterCore
import RouterTesting
import Synchronization
import Testing

/// A retry batch that fails as a whole pauses the retry set, not the head: a destination that is
/// down is tried one retry batch per backoff instead of through every due retry at once (a
/// replay of a million dead letters to a destination still down), and fresh events go on.
struct DeliveryWorkerRetrySetTests {
    /// Refuses (for retry) every event whose id starts with "down"; delivers the others.
    final class HalfDownDestination: Destination {
        let attempts = Mutex<[String: Int]>([:])
        let delivered = Mutex<[String]>([])
        /// Calls with retried events only (every event on its second attempt or later).
        let retryCalls = Atomic<Int>(0)
        var batchLimits: BatchLimits { BatchLimits(maxEvents: 10) }
        var retryPolicy: any RetryPolicy { StepPolicy() }

        func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
            if batch.allSatisfy({ $0.attempt >= 2 }) { self.retryCalls.add(1, ordering: .relaxed) }
            return batch.map { routed in
                self.attempts.withLock { $0[routed.event.id, default: 0] += 1 }
                if routed.event.id.hasPrefix("down") {
                    return .retry(after: nil, reason: FailureReason(code: "connection_refused", message: "down"))
                }
                self.delivered.withLock { $0.append(routed.event.id) }
                return .delivered
            }
        }

        var retryCallCount: Int { self.retryCalls.load(ordering: .relaxed) }
    }

    /// 30 s after any failure: the pause after a failing retry batch is long enough to see.
    struct StepPolicy: RetryPolicy {
        func delay(afterFailures failures: Int) -> Duration { .seconds(30) }
        func shouldGiveUp(failures: Int, firstFailure: Timestamp, now: Timestamp) -> Bool { false }
    }

    @Test(.timeLimit(.minutes(1)))
    func aFailingRetryBatchPausesTheRetrySetButNotTheHead() async throws {
        try await SQLiteHarness().withStorage { storage in
            let store = try await storage.open(instance: "a")
            let partition = PartitionKey(tenant: "acme", destination: "half")
            let destination = HalfDownDestination()
            // 45 events that already failed once wait in the retry set, all due now; the head is
            // empty (as after a replay of dead letters).
            let events = (1...45).map { Fixtures.storedEvent(id: "down-\($0)", sequence: Int64($0)).event }
            let sequences = try await store.append(events, routes: Array(repeating: ["half"], count: events.count))
            #expect(sequences.allSatisfy { $0 })
            let head = try await store.head(of: partition, limit: 100)
            let now = Timestamp.now()
            let reason = FailureReason(code: "connection_refused", message: "down")
            try await store.commit(.failedOnce(head, of: partition, at: now, reason: reason))
            let worker = DeliveryWorker(partition: partition, destination: destination, type: "half", store: store, metrics: RouterMetrics(), logger: Logger.quiet())
            let running = Task { await worker.run() }
            defer {
                worker.stop()
                running.cancel()
            }
            // The first retry batch (ten) fails as a whole: the retry set pauses for 30 s, and the
            // other 35 due retries wait.
            #expect(try await eventually { destination.retryCallCount == 1 })
            try await Task.sleep(for: .milliseconds(300))
            #expect(destination.retryCallCount == 1, "the other due retries wait for the pause")
            #expect(destination.attempts.withLock { $0.count } == 10)
            // Fresh events are not held up by it, and one delivered shows the destination takes
            // events again: the retry set is tried at once (and pauses again, still failing).
            _ = try await store.append([Fixtures.storedEvent(id: "ok-fresh", sequence: 46).event], routes: [["half"]])
            worker.signal()
            #expect(try await eventually { destination.delivered.withLock { $0 } == ["ok-fresh"] })
            #expect(try await eventually { destination.retryCallCount == 2 })
            try await Task.sleep(for: .milliseconds(300))
            #expect(destination.retryCallCount == 2)
            // An operator's replay or "retry now" ends the pause: the next batch is tried at once.
            worker.retryNow()
            #expect(try await eventually { destination.retryCallCount == 3 })
        }
    }
}

/// When a failing retry batch pauses the retry set, and for how long.
struct RetrySetPausePlanTests {
    static let partition = PartitionKey(tenant: "acme", destination: "d")
    static let policy = ExponentialJitterRetryPolicy(base: .seconds(5), cap: .seconds(3600), jitter: 0, maxAttempts: 4)
    static let failure = DeliveryOutcome.retry(after: nil, reason: FailureReason(code: "http_503", message: "down"))

    static func retried(_ sequence: Int64, failures: Int) -> StoredEvent {
        let stored = Fixtures.storedEvent(id: "e\(sequence)", sequence: sequence)
        return StoredEvent(sequence: sequence, event: stored.event, failures: failures, firstFailure: Timestamp(millisecondsSince1970: 1_000))
    }

    static func plan(_ batch: [StoredEvent]) -> DeliveryPlanner.Plan {
        DeliveryPlanner.plan(
            partition: Self.partition,
            state: PartitionState(),
            batch: batch,
            outcomes: batch.map { _ in Self.failure },
            fromRetries: true,
            policy: Self.policy,
            now: Timestamp(millisecondsSince1970: 2_000)
        )
    }

    @Test func severalFailingEventsPauseForTheLeastFailedOnesBackoff() {
        let plan = Self.plan([Self.retried(1, failures: 3), Self.retried(2, failures: 1), Self.retried(3, failures: 2)])
        #expect(plan.retrySetPause == Self.policy.delay(afterFailures: 2))
        #expect(plan.pause == nil, "the head is not paused")
    }

    @Test func oneFailingEventIsItsOwnProblem() {
        #expect(Self.plan([Self.retried(1, failures: 1)]).retrySetPause == nil)
    }

    @Test func aBatchThatWentToTheDeadLettersPausesNothing() {
        let plan = Self.plan([Self.retried(1, failures: 3), Self.retried(2, failures: 3)])
        #expect(plan.deadLettered == 2)
        #expect(plan.retrySetPause == nil)
    }
}
