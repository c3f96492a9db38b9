import Logging
import RouterCore
import RouterTesting
import Synchronization
import Testing

/// Rounds to local destinations take turns: at most `width` at once, first come first served;
/// a round kept waiting collects the events that arrive meanwhile into one batch, and rounds to
/// remote destinations never wait.
@Suite(.timeLimit(.minutes(1)))
struct RoundGateTests {
    /// Records each batch; claims a file so the worker treats it as local, or not.
    final class BatchRecorder: Destination {
        let batches = Mutex<[[String]]>([])
        let local: Bool
        var batchLimits: BatchLimits { BatchLimits(maxEvents: 100) }
        var writesFile: String? { self.local ? "/dev/null" : nil }

        init(local: Bool) {
            self.local = local
        }

        func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
            self.batches.withLock { $0.append(batch.map(\.event.id)) }
            return batch.map { _ in .delivered }
        }
    }

    /// The rounds that got a turn, in order.
    final class Order: Sendable {
        let ids = Mutex<[Int]>([])
    }

    @Test func atMostWidthRoundsRunAndTheRestGetTheirTurnInOrder() async throws {
        let gate = RoundGate(width: 2)
        #expect(await gate.enter())
        #expect(await gate.enter())
        #expect(gate.freeCount == 0)
        let order = Order()
        var waiters: [Task<Void, Never>] = []
        for index in 0..<3 {
            waiters.append(Task {
                if await gate.enter() { order.ids.withLock { $0.append(index) } }
            })
            // Queue them in a known order.
            #expect(try await eventually { gate.waitingCount == index + 1 })
        }
        // Each turn given back goes to the longest waiting round.
        gate.leave()
        #expect(try await eventually { order.ids.withLock { $0 } == [0] })
        gate.leave()
        #expect(try await eventually { order.ids.withLock { $0 } == [0, 1] })
        #expect(gate.waitingCount == 1)
        gate.leave()  // round 0's
        for waiter in waiters { await waiter.value }
        #expect(order.ids.withLock { $0 } == [0, 1, 2])
        gate.leave()  // round 1's
        gate.leave()  // round 2's
        #expect(gate.freeCount == 2)
        #expect(gate.waitingCount == 0)
    }

    @Test func aCancelledWaiterTakesNoTurn() async throws {
        let gate = RoundGate(width: 1)
        #expect(await gate.enter())
        let cancelled = Task { await gate.enter() }
        #expect(try await eventually { gate.waitingCount == 1 })
        let next = Task { await gate.enter() }
        #expect(try await eventually { gate.waitingCount == 2 })
        cancelled.cancel()
        #expect(await cancelled.value == false)
        gate.leave()
        #expect(await next.value == true)
        gate.leave()
        #expect(gate.freeCount == 1)
        #expect(gate.waitingCount == 0)
    }

    @Test func theGateWidensWhenNothingArrivesAndNarrowsWhenEventsDo() async throws {
        let gate = RoundGate(width: 1)
        #expect(await gate.enter())
        let waiters = (0..<3).map { _ in Task { await gate.enter() } }
        #expect(try await eventually { gate.waitingCount == 3 })
        #expect(gate.mayHaveWaiters)
        // Events keep arriving: the width stays as it is.
        gate.noteArrival()
        var seen = gate.tune(seen: 0, busy: 1)
        #expect(gate.width == 1)
        #expect(gate.waitingCount == 3)
        // None since the last look: wide, and the waiting rounds go at once.
        seen = gate.tune(seen: seen, busy: 1)
        #expect(gate.width == RoundGate.drainWidth)
        for waiter in waiters { #expect(await waiter.value) }
        #expect(!gate.mayHaveWaiters)
        // Arrivals again: narrow; the turns held now are retired as they are given back.
        gate.noteArrival()
        gate.tune(seen: seen, busy: 1)
        #expect(gate.width == 1)
        for _ in 0..<3 { gate.leave() }
        let late = Task { await gate.enter() }
        #expect(try await eventually { gate.waitingCount == 1 })
        gate.leave()
        #expect(await late.value)
        gate.leave()
        #expect(gate.freeCount == 1)
    }

    @Test func aParkedWorkerGetsNoTaskUntilItsTurnComes() async throws {
        try await SQLiteHarness().withStorage { storage in
            let store = try await storage.open(instance: "a")
            let gate = RoundGate(width: 1)
            let destination = BatchRecorder(local: true)
            let launches = DeliveryWorkerParkingTests.Launches()
            let worker = DeliveryWorker(
                partition: PartitionKey(tenant: "acme", destination: "file"),
                destination: destination,
                type: "file",
                store: store,
                metrics: RouterMetrics(),
                logger: Logger.quiet(),
                roundGate: gate,
                launcher: launches.launcher
            )
            // Nothing waits yet: the first run parks it.
            await worker.run()
            #expect(worker.isParked)
            #expect(await gate.enter())
            _ = try await store.append([Fixtures.storedEvent(id: "e1", sequence: 1).event], routes: [["file"]])
            worker.signal()
            // Queued without a task.
            #expect(gate.waitingCount == 1)
            #expect(launches.count.load(ordering: .relaxed) == 0)
            _ = try await store.append([Fixtures.storedEvent(id: "e2", sequence: 2).event], routes: [["file"]])
            worker.signal()
            #expect(gate.waitingCount == 1)
            gate.leave()
            #expect(try await eventually { destination.batches.withLock { $0 } == [["e1", "e2"]] })
            #expect(try await eventually { worker.isParked })
            #expect(launches.count.load(ordering: .relaxed) == 1)
            #expect(gate.freeCount == 1)
            worker.stop()
        }
    }

    @Test func aRoundKeptWaitingCollectsTheEventsThatArriveMeanwhile() async throws {
        try await SQLiteHarness().withStorage { storage in
            let store = try await storage.open(instance: "a")
            let gate = RoundGate(width: 1)
            let local = BatchRecorder(local: true)
            let remote = BatchRecorder(local: false)
            let workers = [("file", local), ("hook", remote)].map { id, destination in
                DeliveryWorker(
                    partition: PartitionKey(tenant: "acme", destination: id),
                    destination: destination,
                    type: id,
                    store: store,
                    metrics: RouterMetrics(),
                    logger: Logger.quiet(),
                    roundGate: gate
                )
            }
            let running = workers.map { worker in Task { await worker.run() } }
            // Another round holds the only turn.
            #expect(await gate.enter())
            _ = try await store.append([Fixtures.storedEvent(id: "e1", sequence: 1).event], routes: [["file", "hook"]])
            for worker in workers { worker.signal() }
            // The remote destination does not wait; the local one does.
            #expect(try await eventually { remote.batches.withLock { $0 } == [["e1"]] })
            #expect(try await eventually { gate.waitingCount == 1 })
            #expect(local.batches.withLock { $0 }.isEmpty)
            for (sequence, id) in [(2, "e2"), (3, "e3")] {
                _ = try await store.append([Fixtures.storedEvent(id: id, sequence: Int64(sequence)).event], routes: [["file"]])
                workers[0].signal()
            }
            gate.leave()
            #expect(try await eventually { local.batches.withLock { $0 } == [["e1", "e2", "e3"]] })
            for worker in workers { worker.stop() }
            for task in running { await task.value }
            #expect(gate.freeCount == 1)
        }
    }
}
