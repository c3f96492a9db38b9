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
        let destination = HangingDestination()
        try await self.abortDuringCall(to: destination, called: destination.called, type: "hanging", finishWithin: .seconds(5))
    }

    @Test func anAbortDuringAFileAppendLeavesTheBatchUncountedOnceTheAppendEnds() async throws {
        let destination = HeldFileDestination()
        // The append cannot be cancelled: the worker waits for it, then commits nothing.
        try await self.abortDuringCall(to: destination, called: destination.called, type: "file") {
            destination.release.signal()
        }
    }

    /// Runs a worker on one event, aborts it once `destination` is called (then runs
    /// `afterAbort`), and checks the batch was left uncommitted and, with `finishWithin`, that the
    /// worker finished that soon after the abort.
    private func abortDuringCall(
        to destination: some Destination,
        called: Wakeup,
        type: String,
        finishWithin: Duration? = nil,
        afterAbort: () -> Void = {}
    ) async throws {
        try await SQLiteHarness().withStorage { storage in
            let store = try await storage.open(instance: "a")
            let partition = PartitionKey(tenant: "acme", destination: "out")
            _ = try await store.lease([partition])
            _ = try await store.append([Fixtures.storedEvent(id: "e1", sequence: 1).event], routes: [["out"]])
            let worker = DeliveryWorker(
                partition: partition,
                destination: destination,
                type: type,
                store: store,
                metrics: RouterMetrics(),
                logger: Logger.quiet()
            )
            let running = Task { await worker.run() }
            await called.wait(until: .now + .seconds(10))
            let started = ContinuousClock.now
            worker.abort()
            afterAbort()
            await running.value
            if let finishWithin { #expect(ContinuousClock.now - started < finishWithin) }
            #expect(worker.isFinished)
            // Not committed: still at the head, no attempt counted against its retry budget.
            let status = try await store.status(tenant: "acme", id: "e1")
            #expect(status?.destinations.first?.state == .pending)
            #expect(status?.destinations.first?.attempts == [])
            #expect(try await store.head(of: partition, limit: 10).map(\.event.id) == ["e1"])
        }
    }
}
