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

    /// 20 ms after a first failure, then 30 s: the first retries come due at once, the pause after
    /// a failing retry batch is long enough to see.
    struct StepPolicy: RetryPolicy {
        func delay(afterFailures failures: Int) -> Duration { failures <= 1 ? .milliseconds(20) : .seconds(30) }
        func shouldGiveUp(failures: Int, firstFailure: Timestamp, now: Timestamp) -> Bool { false }
    }

    @Test(.timeLimit(.minutes(1)))
    func aFailingRetryBatchPausesTheRetrySetButNotTheHead() async throws {
        try await SQLiteHarness().withStorage { storage in
            let store = try await storage.open(instance: "a")
            let partition = PartitionKey(tenant: "acme", destination: "half")
            let destination = HalfDownDestination()
            // Five head batches of ten, each with one event the destination takes: every batch
            // leaves the head, and its 45 "down" events wait in the retry set, due in 20 ms.
            var events: [RetentionEvent] = []
            for index in 0..<50 {
                let id = index % 10 == 0 ? "ok-\(index)" : "down-\(index)"
                events.append(Fixtures.storedEvent(id: id, sequence: Int64(index + 1)).event)
            }
            _ = try await store.append(events, routes: Array(repeating: ["half"], count: events.count))
            let worker = DeliveryWorker(partition: partition, destination: destination, type: "half", store: store, metrics: RouterMetrics(), logger: Logger.quiet())
            let running = Task { await worker.run() }
            defer {
                worker.stop()
                running.cancel()
            }
            #expect(try await eventually { destination.delivered.withLock { $0.count } == 5 })
            // The first retry batch fails as a whole: the retry set pauses for 30 s.
            #expect(try await eventually { destination.retryCallCount == 1 })
            try await Task.sleep(for: .milliseconds(300))
            #expect(destination.retryCallCount == 1, "the other due retries wait for the pause")
            // Fresh events are not held up by it.
            _ = try await store.append([Fixtures.storedEvent(id: "ok-fresh", sequence: 51).event], routes: [["half"]])
            worker.signal()
            #expect(try await eventually { destination.delivered.withLock { $0.contains("ok-fresh") } })
            #expect(destination.retryCallCount == 1)
            // An operator's replay or "retry now" ends the pause: the next batch is tried at once.
            worker.retryNow()
            #expect(try await eventually { destination.retryCallCount == 2 })
        }
    }
}
