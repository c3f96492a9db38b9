import RouterCore
import Testing

@Suite("Maintenance pace")
struct MaintenancePaceTests {
    @Test("half duty rests as long as the step took, at most its cap")
    func halfDutyRestsAsLongAsTheStep() {
        let pace = MaintenancePace.halfDuty
        #expect(pace.rest(after: .milliseconds(40)) == .milliseconds(40))
        #expect(pace.rest(after: .seconds(5)) == .seconds(1))
        #expect(pace.rest(after: .zero) == .zero)
    }

    @Test("a share scales the rest; unpaced never rests")
    func shareScalesTheRest() {
        #expect(MaintenancePace(restShare: 0.5, maxRest: .seconds(10)).rest(after: .milliseconds(300)) == .milliseconds(150))
        #expect(MaintenancePace(restShare: -1, maxRest: .seconds(10)).rest(after: .seconds(1)) == .zero)
        #expect(MaintenancePace.unpaced.rest(after: .seconds(30)) == .zero)
    }

    @Test("cancellation ends a rest at once", .timeLimit(.minutes(1)))
    func cancellationEndsTheRest() async {
        // A step that "took" a minute asks for the whole cap of a minute's rest.
        let pace = MaintenancePace(restShare: 1, maxRest: .seconds(60))
        let started = ContinuousClock.now
        let rest = Task { await pace.rest(afterStepStartedAt: started - .seconds(60)) }
        try? await Task.sleep(for: .milliseconds(50))
        rest.cancel()
        await rest.value
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("the stores' coordination: exclusive stores are unpaced")
    func exclusiveStoresAreUnpaced() {
        #expect(StoreCoordination.exclusive.maintenancePace == .unpaced)
    }
}
