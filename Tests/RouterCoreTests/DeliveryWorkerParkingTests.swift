import Logging
import RouterCore
import RouterTesting
import Synchronization
import Testing

/// A worker with nothing to do parks (no task) and a signal runs it again; a worker with a retry
/// scheduled keeps waiting for it instead; stopping a parked worker finishes it at once.
struct DeliveryWorkerParkingTests {
    /// Records what it delivers; events whose id starts with "flaky" fail on their first attempt.
    final class RecordingDestination: Destination {
        let delivered = Mutex<[String]>([])
        let calls = Wakeup()
        var batchLimits: BatchLimits { BatchLimits(maxEvents: 10) }
        var retryPolicy: any RetryPolicy { ExponentialJitterRetryPolicy(base: .milliseconds(50), cap: .milliseconds(50), jitter: 0) }

        func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
            defer { self.calls.signal() }
            return batch.map { routed in
                if routed.event.id.hasPrefix("flaky"), routed.attempt == 1 {
                    return .retry(after: nil, reason: FailureReason(code: "flaky", message: "first attempt fails"))
                }
                self.delivered.withLock { $0.append(routed.event.id) }
                return .delivered
            }
        }
    }

    /// Launches a parked worker again in a new task, counting the launches.
    final class Launches: Sendable {
        let count = Atomic<Int>(0)
        var launcher: DeliveryWorker.Launcher {
            { worker in
                self.count.add(1, ordering: .relaxed)
                Task { await worker.run() }
                return true
            }
        }
    }

    private func parked(_ worker: DeliveryWorker) async throws -> Bool {
        try await eventually { worker.isParked }
    }

    @Test(.timeLimit(.minutes(1)))
    func anIdleWorkerParksAndASignalRunsItAgain() async throws {
        try await SQLiteHarness().withStorage { storage in
            let store = try await storage.open(instance: "a")
            let partition = PartitionKey(tenant: "acme", destination: "rec")
            let destination = RecordingDestination()
            let launches = Launches()
            let worker = DeliveryWorker(
                partition: partition,
                destination: destination,
                type: "recording",
                store: store,
                metrics: RouterMetrics(),
                logger: Logger.quiet(),
                launcher: launches.launcher
            )
            // Nothing waits: the first run returns, leaving the worker parked, not finished.
            await worker.run()
            #expect(worker.isParked)
            #expect(!worker.isFinished)
            _ = try await store.append([Fixtures.storedEvent(id: "e1", sequence: 1).event], routes: [["rec"]])
            worker.signal()
            #expect(try await eventually { destination.delivered.withLock { $0 } == ["e1"] })
            #expect(try await self.parked(worker))
            #expect(launches.count.load(ordering: .relaxed) == 1)
            _ = try await store.append([Fixtures.storedEvent(id: "e2", sequence: 2).event], routes: [["rec"]])
            worker.signal()
            #expect(try await eventually { destination.delivered.withLock { $0 } == ["e1", "e2"] })
            #expect(try await self.parked(worker))
            #expect(launches.count.load(ordering: .relaxed) == 2)
            // Stopping a parked worker needs no task: it is finished at once.
            worker.stop()
            #expect(worker.isFinished)
            worker.signal()
            #expect(launches.count.load(ordering: .relaxed) == 2)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aWorkerWithARetryScheduledWaitsForItInsteadOfParking() async throws {
        try await SQLiteHarness().withStorage { storage in
            let store = try await storage.open(instance: "a")
            let partition = PartitionKey(tenant: "acme", destination: "rec")
            let destination = RecordingDestination()
            let launches = Launches()
            _ = try await store.append(
                [Fixtures.storedEvent(id: "flaky-1", sequence: 1).event, Fixtures.storedEvent(id: "fine", sequence: 2).event],
                routes: [["rec"], ["rec"]]
            )
            let worker = DeliveryWorker(
                partition: partition,
                destination: destination,
                type: "recording",
                store: store,
                metrics: RouterMetrics(),
                logger: Logger.quiet(),
                launcher: launches.launcher
            )
            let running = Task { await worker.run() }
            // "fine" goes at once, "flaky-1" waits in the retry set; nobody signals again, so
            // only the worker's own deadline can bring it back.
            #expect(try await eventually { destination.delivered.withLock { $0 } == ["fine", "flaky-1"] })
            await running.value
            #expect(worker.isParked)
            #expect(launches.count.load(ordering: .relaxed) == 0)
            #expect(try await store.nextRetry(in: partition) == nil)
            worker.stop()
        }
    }
}
