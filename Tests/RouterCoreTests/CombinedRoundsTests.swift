import Logging
import RouterCore
import RouterTesting
import ServiceLifecycle
import Signing
import Synchronization
import Testing

/// Combined rounds through the real supervisor: the batches of many partitions go to their
/// destinations in one call, nothing is lost or reordered, and a partition whose delivery
/// fails leaves the combined rounds for its own (retries, backoff) without holding up the others.
@Suite(.timeLimit(.minutes(2)))
struct CombinedRoundsTests {
    /// Delivers the batches of every `CombiningDestination` together, recording each call.
    final class RecordingCombiner: DeliveryCombiner {
        struct State {
            /// Per call, the destination ids delivered and their event ids.
            var calls: [[(destination: String, ids: [String])]] = []
            /// Event ids answered `retry` once, on their first attempt.
            var failOnce: Set<String> = []
            var held = false
            /// Calls begun (held ones included).
            var started = 0
        }

        let state = Mutex(State())
        private let gate = Wakeup()

        func deliver(_ deliveries: [CombinedDelivery]) async -> [[DeliveryOutcome]] {
            self.state.withLock { $0.started += 1 }
            while self.state.withLock({ $0.held }) { await self.gate.wait(until: nil) }
            return self.state.withLock { state in
                var call: [(destination: String, ids: [String])] = []
                let outcomes = deliveries.map { delivery in
                    let id = (delivery.destination as? CombiningDestination)?.id ?? "?"
                    var delivered: [String] = []
                    let outcomes = delivery.batch.map { routed -> DeliveryOutcome in
                        if state.failOnce.remove(routed.event.id) != nil {
                            return .retry(after: .milliseconds(50), reason: FailureReason(code: "injected", message: "fails once"))
                        }
                        delivered.append(routed.event.id)
                        return .delivered
                    }
                    call.append((id, delivered))
                    return outcomes
                }
                state.calls.append(call)
                return outcomes
            }
        }

        func hold() { self.state.withLock { $0.held = true } }

        /// Forgets the calls so far.
        func clear() { self.state.withLock { $0.calls = [] } }

        func release() {
            self.state.withLock { $0.held = false }
            self.gate.signal()
        }

        /// Every event id delivered to `destination`, in order.
        func delivered(to destination: String) -> [String] {
            self.state.withLock { state in state.calls.flatMap { $0.filter { $0.destination == destination }.flatMap(\.ids) } }
        }

        var largestCall: Int { self.state.withLock { $0.calls.map(\.count).max() ?? 0 } }
    }

    /// A local destination (it names a file, so its rounds take turns) whose batches go
    /// through a `RecordingCombiner`; delivered alone, it goes through the combiner as well.
    struct CombiningDestination: Destination {
        let id: String
        let recorder: RecordingCombiner
        var batchLimits: BatchLimits { BatchLimits(maxEvents: 5) }
        var writesFile: String? { "/combined-rounds-test/\(self.id).ndjson" }
        var combiner: (any DeliveryCombiner)? { self.recorder }

        func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
            await self.recorder.deliver([CombinedDelivery(destination: self, batch: batch)]).first ?? []
        }
    }

    private static let destinations = (0..<40).map { "d\($0)" }

    private func run(
        leases: ScriptedLeases? = nil,
        _ body: (InMemoryEventStore, DeliverySupervisor, RecordingCombiner) async throws -> Void
    ) async throws {
        let recorder = RecordingCombiner()
        let store = InMemoryEventStore(leases: leases)
        let tenant = TenantConfiguration(
            name: "acme",
            description: nil,
            ingest: .init(scheme: .xHubSignature, secrets: [], verifier: SignatureVerifier(scheme: .xHubSignature, keys: [])),
            destinations: Self.destinations.map { id in
                ConfiguredDestination(
                    id: id, type: "combining", events: nil, settings: .object(["id": .string(id)]),
                    destination: CombiningDestination(id: id, recorder: recorder)
                )
            },
            file: "acme.json"
        )
        let supervisor = DeliverySupervisor(store: store, tenants: [tenant], metrics: RouterMetrics(), logger: Logger.quiet(), shutdownGrace: .seconds(2))
        let group = ServiceGroup(services: [supervisor], logger: Logger.quiet())
        let task = Task { try await group.run() }
        do {
            try await body(store, supervisor, recorder)
        } catch {
            recorder.release()
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            throw error
        }
        recorder.release()
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// Stores `count` events for each destination (ids `<destination>-<n>`) and wakes them.
    private func ingest(_ store: InMemoryEventStore, _ supervisor: DeliverySupervisor, count: Int, from first: Int = 0) async throws {
        for destination in Self.destinations {
            let events = (first..<first + count).map { Fixtures.storedEvent(id: "\(destination)-\($0)", sequence: 0).event }
            _ = try await store.append(events, routes: events.map { _ in [destination] })
            supervisor.notify(tenant: "acme", destinations: [destination])
        }
    }

    /// Waits (10 s at most) until every partition has had `count` events delivered.
    private func everyPartition(of recorder: RecordingCombiner, reaches count: Int) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if Self.destinations.allSatisfy({ recorder.delivered(to: $0).count >= count }) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Delivers a first event to each partition, so that every worker has run, knows its
    /// partition and is idle (parked), whenever the supervisor started it; then holds the
    /// destination, stores `count` events each, and waits until a round is in the destination.
    private func warmThenHold(_ store: InMemoryEventStore, _ supervisor: DeliverySupervisor, _ recorder: RecordingCombiner, count: Int) async throws {
        for destination in Self.destinations {
            let event = Fixtures.storedEvent(id: "\(destination)-warm", sequence: 0).event
            _ = try await store.append([event], routes: [[destination]])
            supervisor.notify(tenant: "acme", destinations: [destination])
        }
        #expect(try await self.everyPartition(of: recorder, reaches: 1))
        try await Task.sleep(for: .milliseconds(200))
        recorder.clear()
        recorder.hold()
        try await self.ingest(store, supervisor, count: count)
        #expect(try await eventually { recorder.state.withLock { $0.started } >= 1 }, "a round reached the destination")
    }

    @Test func manyPartitionsAreDeliveredTogetherInOrderAndCompletely() async throws {
        try await self.run { store, supervisor, recorder in
            // The first round waits in the destination: the others queue meanwhile.
            try await self.warmThenHold(store, supervisor, recorder, count: 3)
            recorder.release()
            try await self.ingest(store, supervisor, count: 9, from: 3)
            let complete = try await self.everyPartition(of: recorder, reaches: 12)
            #expect(complete, "every event of every partition is delivered")
            for destination in Self.destinations {
                let delivered = recorder.delivered(to: destination)
                let expected = (0..<12).map { "\(destination)-\($0)" }
                #expect(delivered == expected, "in order, once")
            }
            #expect(recorder.largestCall > 1, "partitions are delivered together")
            #expect(recorder.largestCall <= 32, "a round serves at most 32 partitions")
            // Everything is taken off the heads (the last commits follow the last deliveries).
            let requests = Self.destinations.map { HeadRequest(partition: PartitionKey(tenant: "acme", destination: $0), limit: 100, maxBytes: .max) }
            #expect(try await eventually { try await store.headBatches(requests).allSatisfy { $0.events.isEmpty } })
        }
    }

    @Test func aFailingPartitionRetriesOnItsOwnWhileTheOthersGoOn() async throws {
        try await self.run { store, supervisor, recorder in
            recorder.state.withLock { $0.failOnce = ["d7-0", "d7-1", "d7-2"] }
            try await self.ingest(store, supervisor, count: 3)
            let complete = try await self.everyPartition(of: recorder, reaches: 3)
            #expect(complete, "the failing partition's events are delivered after a retry, and the others' at once")
            #expect(recorder.delivered(to: "d7") == ["d7-0", "d7-1", "d7-2"])
            let state = try await store.state(of: PartitionKey(tenant: "acme", destination: "d7"))
            #expect(state.headFailures == 0, "the retry succeeded and cleared the failure")
            // Back in combined rounds afterwards: new events still arrive.
            try await self.ingest(store, supervisor, count: 1, from: 3)
            #expect(try await eventually { recorder.delivered(to: "d7").count == 4 })
        }
    }

    @Test func aCommitThatFailsFailsItsOwnPartitionOnly() async throws {
        // Three-second leases, as the supervisor tests use: renewals never race the test.
        let partitions = Set(Self.destinations.map { PartitionKey(tenant: "acme", destination: $0) })
        let leases = ScriptedLeases(granting: partitions, leaseDuration: .seconds(3))
        try await self.run(leases: leases) { store, supervisor, recorder in
            try await self.warmThenHold(store, supervisor, recorder, count: 2)
            // Another instance takes d3 over while its batch is in flight: its commit fails.
            let lost = PartitionKey(tenant: "acme", destination: "d3")
            leases.revoke(lost)
            recorder.release()
            let others = Self.destinations.filter { $0 != "d3" }
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, !others.allSatisfy({ recorder.delivered(to: $0).count >= 2 }) {
                try await Task.sleep(for: .milliseconds(20))
            }
            for destination in others {
                let delivered = recorder.delivered(to: destination)
                let expected = ["\(destination)-0", "\(destination)-1"]
                #expect(delivered == expected, "committed alone, so delivered once")
                let head = try await store.head(of: PartitionKey(tenant: "acme", destination: destination), limit: 10)
                #expect(head.isEmpty)
            }
            // d3's batch was not committed: it stays at the head for the instance that holds it.
            let head = try await store.head(of: lost, limit: 10)
            #expect(head.map(\.event.id) == ["d3-0", "d3-1"])
        }
    }
}
