import RouterCore
import RouterTesting
import Testing

@Suite(.timeLimit(.minutes(2)))
struct WakeupTests {
    @Test func aSignalSentBeforeTheWaitIsNotLost() async {
        let wakeup = Wakeup()
        wakeup.signal()
        await wakeup.wait(until: nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func aSignalWakesAWaiter() async throws {
        let wakeup = Wakeup()
        async let waited: Void = wakeup.wait(until: nil)
        #expect(try await eventually { wakeup.waiterCount == 1 }, "the wait has begun")
        wakeup.signal()
        await waited
    }

    @Test func theDeadlineWakesAWaiter() async {
        let wakeup = Wakeup()
        let start = ContinuousClock.now
        await wakeup.wait(until: .now + .milliseconds(30))
        #expect(ContinuousClock.now - start >= .milliseconds(30))
    }

    @Test(.timeLimit(.minutes(1)))
    func stopEndsWaitsAndPauses() async throws {
        let wakeup = Wakeup()
        async let paused: Void = wakeup.pause(until: .now + .seconds(60))
        #expect(try await eventually { wakeup.waiterCount == 1 }, "the pause has begun")
        wakeup.stop()
        await paused
        #expect(wakeup.isStopped)
        await wakeup.wait(until: nil)
    }

    /// Waits until `count` tasks wait on `wakeup` (they register before they suspend).
    private func waiters(_ wakeup: Wakeup, reach count: Int) async {
        while wakeup.waiterCount < count { await Task.yield() }
    }

    @Test(.timeLimit(.minutes(1)))
    func aSignalWakesEveryConcurrentWaiter() async {
        let wakeup = Wakeup()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 { group.addTask { await wakeup.wait(until: nil) } }
            await self.waiters(wakeup, reach: 50)
            wakeup.signal()
            await group.waitForAll()
        }
        #expect(wakeup.waiterCount == 0)
    }

    @Test(.timeLimit(.minutes(1)))
    func aDeadlineOrACancellationWakesOnlyItsOwnWaiter() async {
        let wakeup = Wakeup()
        let long = Task { await wakeup.wait(until: nil) }
        let cancelled = Task { await wakeup.wait(until: nil) }
        await self.waiters(wakeup, reach: 2)
        await wakeup.wait(until: .now + .milliseconds(20))
        cancelled.cancel()
        await cancelled.value
        #expect(wakeup.waiterCount == 1, "the long waiter still waits")
        wakeup.stop()
        await long.value
        #expect(wakeup.waiterCount == 0)
    }

    @Test(.timeLimit(.minutes(1)))
    func waitingForAFinishedWorkerFromManyTasksReturnsForAll() async {
        // The shape of `DeliveryWorker.waitUntilFinished`: several tasks wait for one stop.
        let finished = Wakeup()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    while !finished.isStopped { await finished.wait(until: nil) }
                }
            }
            await self.waiters(finished, reach: 10)
            finished.stop()
            await group.waitForAll()
        }
    }
}
