import RouterCore
import Testing

struct WakeupTests {
    @Test func aSignalSentBeforeTheWaitIsNotLost() async {
        let wakeup = Wakeup()
        wakeup.signal()
        await wakeup.wait(until: nil)
    }

    @Test func aSignalWakesAWaiter() async {
        let wakeup = Wakeup()
        async let waited: Void = wakeup.wait(until: nil)
        try? await Task.sleep(for: .milliseconds(20))
        wakeup.signal()
        await waited
    }

    @Test func theDeadlineWakesAWaiter() async {
        let wakeup = Wakeup()
        let start = ContinuousClock.now
        await wakeup.wait(until: .now + .milliseconds(30))
        #expect(ContinuousClock.now - start >= .milliseconds(30))
    }

    @Test func stopEndsWaitsAndPauses() async {
        let wakeup = Wakeup()
        async let paused: Void = wakeup.pause(until: .now + .seconds(60))
        try? await Task.sleep(for: .milliseconds(20))
        wakeup.stop()
        await paused
        #expect(wakeup.isStopped)
        await wakeup.wait(until: nil)
    }
}
