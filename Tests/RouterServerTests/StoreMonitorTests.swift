import Logging
import RouterCore
import RouterTesting
import Synchronization
import Testing

@testable import RouterServer

/// The store monitor keeps its figures fresh while a long prune pass runs.
struct StoreMonitorTests {
    @Test(.timeLimit(.minutes(1)))
    func backlogFiguresStayFreshWhileAPrunePassIsHeld() async throws {
        let pruning = Atomic<Bool>(false)
        // Every prune step waits an hour: the pass started at start-up never ends in this test.
        let store = InMemoryEventStore(beforePruneStep: {
            pruning.store(true, ordering: .relaxed)
            try? await Task.sleep(for: .seconds(3600))
        })
        let monitor = StoreMonitor(store: store, metrics: RouterMetrics(), retention: .seconds(86_400), logger: Logger.quiet())
        let running = Task { try await monitor.run() }
        defer { running.cancel() }
        #expect(try await eventually { pruning.load(ordering: .relaxed) })
        #expect(monitor.backlog(tenant: "acme") == 0)

        // Ingest admission reads this figure: it must follow the store while the pass is held.
        let event = Fixtures.storedEvent(id: "evt_1", sequence: 1).event
        #expect(try await store.append([event], routes: [["archive"]]) == [true])
        #expect(try await eventually { monitor.backlog(tenant: "acme") == 1 })

        running.cancel()
        try await running.value
    }
}
