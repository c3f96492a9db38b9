import Logging
import RouterCore
import RouterTesting
import Synchronization
import Testing

/// A worker told to abort (its lease may be lost) cancels the call in flight instead of waiting.
@Suite(.timeLimit(.minutes(2)))
struct DeliveryWorkerAbortTests {
    /// Answers only when cancelled (or after a minute).
    struct HangingDestination: Destination {
        let called = Wakeup()
        var batchLimits: BatchLimits { BatchLimits(maxEvents: 10) }

        func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
            self.called.signal()
            try? await Task.sleep(for: .seconds(60))
            let reason = FailureReason(code: "cancelled", message: "the call was cancelled")
            return batch.map { _ in .retry(after: nil, reason: reason) }
        }
    }

    /// A local destination (a file): its call cannot be cancelled and runs in the worker's own
    /// task; it answers "delivered" once let go.
    final class HeldFileDestination: Destination {
        let called = Wakeup()
        let release = Wakeup()
        var batchLimits: BatchLimits { BatchLimits(maxEvents: 10) }
        var writesFile: String? { "/dev/null" }

        func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
            self.called.signal()
            await self.release.wait(until: .now + .seconds(60))
            return batch.map { _ in .delivered }
        }
    }

    @Test func abortCancelsTheCallInFlightAndLeavesTheBatchUncounted() async throws {
        try await SQLiteHarness().withStorage { storage in
            let store = try await storage.open(instance: "a")
            let partition = PartitionKey(tenant: "acme", destination: "hook")
            _ = try await store.lease([partition])
            _ = try await store.append([Fixtures.storedEvent(id: "e1", sequence: 1).event], routes: [["hook"]])
            let destination = HangingDestination()
            let worker = DeliveryWorker(
                partition: partition,
                destination: destination,
                type: "hanging",
                store: store,
                metrics: RouterMetrics(),
                logger: Logger.quiet()
            )
            let running = Task { await worker.run() }
            await destination.called.wait(until: .now + .seconds(10))
            let started = ContinuousClock.now
            worker.abort()
            await running.value
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(worker.isFinished)
            // Not committed: still at the head, no attempt counted against its retry budget.
            let status = try await store.status(tenant: "acme", id: "e1")
            #expect(status?.destinations.first?.state == .pending)
            #expect(status?.destinations.first?.attempts == [])
            #expect(try await store.head(of: partition, limit: 10).map(\.event.id) == ["e1"])
        }
    }

    @Test func anAbortDuringAFileAppendLeavesTheBatchUncountedOnceTheAppendEnds() async throws {
        try await SQLiteHarness().withStorage { storage in
            let store = try await storage.open(instance: "a")
            let partition = PartitionKey(tenant: "acme", destination: "archive")
            _ = try await store.lease([partition])
            _ = try await store.append([Fixtures.storedEvent(id: "e1", sequence: 1).event], routes: [["archive"]])
            let destination = HeldFileDestination()
            let worker = DeliveryWorker(
                partition: partition,
                destination: destination,
                type: "file",
                store: store,
                metrics: RouterMetrics(),
                logger: Logger.quiet()
            )
            let running = Task { await worker.run() }
            await destination.called.wait(until: .now + .seconds(10))
            worker.abort()
            // The append cannot be cancelled: the worker waits for it, then commits nothing.
            destination.release.signal()
            await running.value
            #expect(worker.isFinished)
            let status = try await store.status(tenant: "acme", id: "e1")
            #expect(status?.destinations.first?.state == .pending)
            #expect(status?.destinations.first?.attempts == [])
            #expect(try await store.head(of: partition, limit: 10).map(\.event.id) == ["e1"])
        }
    }
}
