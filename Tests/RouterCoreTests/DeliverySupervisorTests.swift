import Foundation
import Logging
import RouterCore
import RouterTesting
import ServiceLifecycle
import Signing
import Testing

/// The delivery supervisor against an in-memory store whose leases the test hands out and
/// takes back, as another instance sharing the store would. Changes to the grant are seen at
/// the next renewal, so the tests wait for lease requests rather than for time.
@Suite(.timeLimit(.minutes(2)))
struct DeliverySupervisorTests {
    /// A supervisor running over an in-memory store, one recording destination per partition.
    struct Running {
        let store: InMemoryEventStore
        let leases: ScriptedLeases
        let supervisor: DeliverySupervisor
        let destinations: [String: RecordingDestination]
        let group: ServiceGroup
        let task: Task<Void, any Error>

        /// Starts a supervisor for tenant `acme` with the given destinations, holding `granted`.
        init(destinations ids: [String], granted: Set<String>, maxEvents: Int = 7) {
            // Three-second leases: renewed every second, each request given 750 ms. Shorter ones
            // fail to renew on a loaded machine, and the supervisor then (rightly) stops its
            // workers before another instance could take over.
            let leases = ScriptedLeases(granting: Set(granted.map(Self.partition)), leaseDuration: .seconds(3))
            let store = InMemoryEventStore(leases: leases)
            let destinations = Dictionary(uniqueKeysWithValues: ids.map { ($0, RecordingDestination(maxEvents: maxEvents)) })
            let tenant = TenantConfiguration(
                name: "acme",
                description: nil,
                ingest: .init(scheme: .xHubSignature, secrets: [], verifier: SignatureVerifier(scheme: .xHubSignature, keys: [])),
                destinations: ids.map { id in
                    ConfiguredDestination(id: id, type: "recording", events: nil, settings: .object(["id": .string(id)]), destination: destinations[id]!)
                },
                file: "acme.json"
            )
            let supervisor = DeliverySupervisor(store: store, tenants: [tenant], metrics: RouterMetrics(), logger: Logger.quiet(), shutdownGrace: .seconds(2))
            let group = ServiceGroup(services: [supervisor], logger: Logger.quiet())
            self.store = store
            self.leases = leases
            self.supervisor = supervisor
            self.destinations = destinations
            self.group = group
            self.task = Task { try await group.run() }
        }

        static func partition(_ destination: String) -> PartitionKey {
            PartitionKey(tenant: "acme", destination: destination)
        }

        /// Stores events routed to `destinations` and wakes their workers, as ingest does.
        func ingest(_ ids: [String], to destinations: [String]) async throws {
            let events = ids.map { Fixtures.storedEvent(id: $0, sequence: 0).event }
            #expect(try await self.store.append(events, routes: events.map { _ in destinations }) == events.map { _ in true })
            self.supervisor.notify(tenant: "acme", destinations: destinations)
        }

        /// Waits until the supervisor has asked for its leases `count` more times (so a change
        /// of the grant has been seen and acted on).
        func leaseRequests(_ count: Int) async throws {
            let target = self.leases.requests + count
            #expect(try await eventually { self.leases.requests >= target }, "the supervisor renews its leases")
        }

        /// What is still waiting at the partition's head.
        func head(_ destination: String) async throws -> [String] {
            try await self.store.head(of: Self.partition(destination), limit: 1000).map(\.event.id)
        }

        func stop() async throws {
            await self.group.triggerGracefulShutdown()
            try await self.task.value
        }
    }

    static let ids = (0..<30).map { "e\($0)" }

    @Test(.timeLimit(.minutes(1)))
    func workersStartOnlyForHeldPartitionsAndDeliverInOrder() async throws {
        let running = Running(destinations: ["a", "b"], granted: ["a"])
        try await running.ingest(Array(Self.ids.prefix(12)), to: ["a", "b"])
        try await running.ingest(Array(Self.ids.dropFirst(12)), to: ["a", "b"])
        let a = try #require(running.destinations["a"])
        let b = try #require(running.destinations["b"])
        #expect(try await eventually { a.deliveredIDs.count == Self.ids.count })
        #expect(a.deliveredIDs == Self.ids, "one partition's events arrive in the order they were stored")
        #expect(a.batches.allSatisfy { $0.count <= 7 })
        #expect(try await eventually { try await running.head("a").isEmpty }, "every batch is committed")
        // The partition held by another instance is not touched here.
        try await running.leaseRequests(3)
        #expect(b.calls == 0)
        #expect(try await running.head("b") == Self.ids)
        try await running.stop()
        #expect(running.leases.left, "leaving releases the leases")
    }

    @Test(.timeLimit(.minutes(1)))
    func aPartitionGrantedLaterIsTakenOverWithItsBacklog() async throws {
        let running = Running(destinations: ["a", "b"], granted: ["a"])
        try await running.ingest(Self.ids, to: ["b"])
        try await running.leaseRequests(2)
        let b = try #require(running.destinations["b"])
        #expect(b.calls == 0)
        running.leases.grant(Running.partition("b"))
        #expect(try await eventually { b.deliveredIDs.count == Self.ids.count })
        #expect(b.deliveredIDs == Self.ids)
        // New events reach the new worker as ingest wakes it.
        try await running.ingest(["late"], to: ["b"])
        #expect(try await eventually { b.deliveredIDs.last == "late" })
        try await running.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func aLostLeaseStopsTheWorkerAndLeavesItsEventsForTheNewHolder() async throws {
        let running = Running(destinations: ["a"], granted: ["a"])
        let a = try #require(running.destinations["a"])
        try await running.ingest(["first"], to: ["a"])
        #expect(try await eventually { try await running.head("a").isEmpty })
        #expect(a.deliveredIDs == ["first"])
        // A batch in flight when another instance takes the partition over: the destination
        // gets it, but the commit is refused, so the events stay for the new holder.
        a.hold()
        try await running.ingest(["x", "y"], to: ["a"])
        #expect(try await eventually { a.calls == 2 })
        running.leases.revoke(Running.partition("a"))
        try await running.leaseRequests(2)
        a.release()
        #expect(try await eventually { a.deliveredIDs == ["first", "x", "y"] })
        #expect(try await running.head("a") == ["x", "y"], "a commit without the lease changes nothing")
        // The worker is gone: later events wait.
        try await running.ingest(["z"], to: ["a"])
        try await running.leaseRequests(3)
        #expect(a.calls == 2)
        #expect(try await running.head("a") == ["x", "y", "z"])
        // Granted again, this instance delivers what waited (x and y a second time: at least once).
        running.leases.grant(Running.partition("a"))
        #expect(try await eventually { a.deliveredIDs == ["first", "x", "y", "x", "y", "z"] })
        #expect(try await eventually { try await running.head("a").isEmpty })
        try await running.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func aReloadThatRemovesADestinationStopsItsWorkerAndGivesTheLeaseBack() async throws {
        let running = Running(destinations: ["a", "b"], granted: ["a", "b"])
        let b = try #require(running.destinations["b"])
        try await running.ingest(["one"], to: ["b"])
        #expect(try await eventually { try await running.head("b").isEmpty })
        #expect(b.deliveredIDs == ["one"])
        let kept = TenantConfiguration(
            name: "acme",
            description: nil,
            ingest: .init(scheme: .xHubSignature, secrets: [], verifier: SignatureVerifier(scheme: .xHubSignature, keys: [])),
            destinations: [
                ConfiguredDestination(id: "a", type: "recording", events: nil, settings: .object(["id": .string("a")]), destination: try #require(running.destinations["a"]))
            ],
            file: "acme.json"
        )
        let changes = running.supervisor.apply([kept])
        #expect(changes.removed == [Running.partition("b")])
        #expect(changes.unchanged == [Running.partition("a")])
        #expect(try await eventually { running.leases.released == [Running.partition("b")] })
        try await running.ingest(["two"], to: ["b"])
        try await running.leaseRequests(2)
        #expect(b.calls == 1)
        #expect(try await running.head("b") == ["two"], "a removed destination's backlog stays in the store")
        try await running.stop()
    }

    /// Settings are forwarded as written, so a reload that only respells a number or a string
    /// (`1` → `1.0`, a precomposed `é` → `e` + combining accent) changes the destination, as the
    /// loader sees it; an identical file changes nothing.
    @Test func aReloadThatRespellsASettingIsAChange() {
        func tenant(_ settings: JSONValue) -> TenantConfiguration {
            TenantConfiguration(
                name: "acme",
                description: nil,
                ingest: .init(scheme: .xHubSignature, secrets: [], verifier: SignatureVerifier(scheme: .xHubSignature, keys: [])),
                destinations: [ConfiguredDestination(id: "a", type: "recording", events: nil, settings: settings, destination: RecordingDestination())],
                file: "acme.json"
            )
        }
        func number(_ text: String) throws -> JSONValue { try JSONParser.parse(Data(text.utf8)) }
        let partition = PartitionKey(tenant: "acme", destination: "a")
        let supervisor = DeliverySupervisor(store: InMemoryEventStore(), tenants: [], metrics: RouterMetrics(), logger: Logger.quiet())
        #expect(supervisor.apply([tenant(["integrations": ["v": 1], "url": "https://h/caf\u{e9}"])]).added == [partition])
        #expect(supervisor.apply([tenant(["integrations": ["v": 1], "url": "https://h/caf\u{e9}"])]).unchanged == [partition])
        let respelled = (try? number("1.0")) ?? .null
        #expect(supervisor.apply([tenant(["integrations": ["v": respelled], "url": "https://h/caf\u{e9}"])]).changed == [partition])
        #expect(supervisor.apply([tenant(["integrations": ["v": respelled], "url": "https://h/cafe\u{301}"])]).changed == [partition])
        #expect(supervisor.apply([tenant(["integrations": ["v": respelled], "url": "https://h/cafe\u{301}"])]).unchanged == [partition])
    }
}
