import Foundation
import RouterCore
import Testing

/// The rules every `EventStore` keeps, as test cases that run unchanged against each store
/// (`@Test(arguments: EventStoreConformance.cases)` with a harness per store).
public enum EventStoreConformance {
    /// One rule, checked against fresh storage.
    public struct Case: Sendable, CustomTestStringConvertible {
        public let name: String
        let body: @Sendable (any EventStoreStorage) async throws -> Void

        /// Runs the case on fresh storage from `harness`.
        public func run(on harness: any EventStoreHarness) async throws {
            try await harness.withStorage { storage in try await self.body(storage) }
        }

        public var testDescription: String { self.name }
    }

    static let partition = PartitionKey(tenant: "acme", destination: "file")

    static func event(_ id: String, type: RetentionEventType = .cancel, tenant: String = "acme", receivedAt: Int64 = 1_604_624_000_000) -> RetentionEvent {
        RetentionEvent(
            id: id,
            type: type,
            tenant: tenant,
            occurredAt: Timestamp(millisecondsSince1970: 1_604_623_990_886),
            receivedAt: Timestamp(millisecondsSince1970: receivedAt),
            properties: Fixtures.sampleProperties
        )
    }

    /// Opens the store as instance "a" and leases `partitions`, as a delivery worker would.
    static func open(_ storage: any EventStoreStorage, leasing partitions: [PartitionKey] = [partition]) async throws -> any EventStore {
        let store = try await storage.open(instance: "a")
        let grant = try await store.lease(Set(partitions))
        #expect(grant.held == Set(partitions), "a single instance gets every partition it asks for")
        return store
    }

    /// Takes the whole head of `partition` off: the events were delivered.
    static func deliverHead(_ store: any EventStore, _ partition: PartitionKey = partition) async throws -> [StoredEvent] {
        let head = try await store.head(of: partition, limit: 1000)
        try await store.commit(DeliveryCommit(partition: partition, state: PartitionState(), taken: head.map(\.sequence)))
        return head
    }

    /// Every case.
    public static let cases: [Case] = deliveryCases + eventListCases + healthCases + erasureCases + bulkErasureCases + auditCases + countCases

    /// Appending, delivering, dead letters, replay and pruning.
    static let deliveryCases: [Case] = [
        Case(name: "the heads and commits of many partitions at once are those of each one alone") { storage in
            let other = PartitionKey(tenant: "acme", destination: "other")
            let quiet = PartitionKey(tenant: "acme", destination: "quiet")
            let store = try await open(storage, leasing: [partition, other, quiet])
            _ = try await store.append([event("a"), event("b"), event("c")], routes: [["file"], ["file", "other"], ["file"]])
            #expect(try await store.headBatches([]).isEmpty)
            let requests = [
                HeadRequest(partition: partition, limit: 2, maxBytes: 1 << 20),
                HeadRequest(partition: other, limit: 10, maxBytes: 1 << 20),
                HeadRequest(partition: quiet, limit: 10, maxBytes: 1 << 20),
            ]
            let together = try await store.headBatches(requests)
            #expect(together.map { $0.events.map(\.event.id) } == [["a", "b"], ["b"], []])
            for (request, batch) in zip(requests, together) {
                let alone = try await store.headBatch(of: request.partition, limit: request.limit, maxBytes: request.maxBytes)
                #expect(batch.events.map(\.sequence) == alone.events.map(\.sequence))
                #expect(batch.drained == alone.drained)
            }
            #expect(together[0].drained != true, "a head cut short by its limit does not count as drained")
            try await store.commitAll([])
            try await store.commitAll([
                DeliveryCommit(partition: partition, state: PartitionState(), taken: together[0].events.map(\.sequence)),
                DeliveryCommit(partition: other, state: PartitionState(), taken: together[1].events.map(\.sequence)),
            ])
            let after = try await store.headBatches(requests)
            #expect(after.map { $0.events.map(\.event.id) } == [["c"], [], []])
        },
        Case(name: "a damaged row reads back marked unreadable, and the rows around it read as sound") { storage in
            let store = try await open(storage)
            _ = try await store.append([event("a"), event("b"), event("c"), event("d"), event("e")], routes: Array(repeating: ["file"], count: 5))
            try await storage.damageProperties(tenant: "acme", id: "b", with: Array(#"{"field.cancel.email":"#.utf8))
            try await storage.damageProperties(tenant: "acme", id: "c", with: [0x01, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x00])
            try await storage.damageProperties(tenant: "acme", id: "d", with: Array("[1,2]".utf8))
            let head = try await store.head(of: partition, limit: 10)
            #expect(head.map(\.event.id) == ["a", "b", "c", "d", "e"])
            #expect(head.map { $0.unreadable?.code } == [nil, "unreadable_event", "unreadable_event", "unreadable_event", nil])
            #expect(head[0].event == event("a"))
            #expect(head[4].event == event("e"))
            #expect(head[1].unreadable?.message.contains("not valid JSON") == true)
            // The operator can still look it up.
            #expect(try await store.status(tenant: "acme", id: "b") != nil)
        },
        Case(name: "appended events read back losslessly, in order, per partition") { storage in
            let store = try await open(storage, leasing: [partition, PartitionKey(tenant: "acme", destination: "other")])
            let inserted = try await store.append([event("a"), event("b", type: .save)], routes: [["file"], ["file", "other"]])
            #expect(inserted == [true, true])
            let head = try await store.head(of: partition, limit: 10)
            #expect(head.map(\.event.id) == ["a", "b"])
            #expect(head[1].event == event("b", type: .save))
            #expect(head[0].sequence < head[1].sequence)
            #expect(head.allSatisfy { $0.failures == 0 && $0.firstFailure == nil })
            let other = try await store.head(of: PartitionKey(tenant: "acme", destination: "other"), limit: 10)
            #expect(other.map(\.event.id) == ["b"])
            try await store.commit(DeliveryCommit(partition: partition, state: PartitionState(), taken: [head[0].sequence]))
            #expect(try await store.head(of: partition, limit: 10).map(\.event.id) == ["b"])
            #expect(try await store.head(of: PartitionKey(tenant: "acme", destination: "other"), limit: 10).map(\.event.id) == ["b"])
        },
        Case(name: "a head read stops at the byte budget but always returns one event") { storage in
            let store = try await open(storage)
            _ = try await store.append([event("a"), event("b"), event("c")], routes: [["file"], ["file"], ["file"]])
            let size = event("a").propertiesJSON.count
            #expect(try await store.head(of: partition, limit: 10, maxBytes: 2 * size).map(\.event.id) == ["a", "b"])
            #expect(try await store.head(of: partition, limit: 10, maxBytes: 1).map(\.event.id) == ["a"])
            #expect(try await store.head(of: partition, limit: 2).map(\.event.id) == ["a", "b"])
        },
        Case(name: "a resent id is acknowledged as a duplicate and never routed twice") { storage in
            let store = try await open(storage)
            _ = try await store.append([event("a")], routes: [["file"]])
            let again = try await store.append([event("a"), event("c"), event("c")], routes: [["file"], ["file"], ["file"]])
            #expect(again == [false, true, false])
            #expect(try await store.head(of: partition, limit: 10).map(\.event.id) == ["a", "c"])
            // The same id under another tenant is a different event.
            #expect(try await store.append([event("a", tenant: "globex")], routes: [["file"]]) == [true])
        },
        Case(name: "concurrent appends all commit") { storage in
            let store = try await open(storage)
            try await withThrowingTaskGroup(of: [Bool].self) { group in
                for index in 0..<200 {
                    group.addTask { try await store.append([event("e\(index)")], routes: [["file"]]) }
                }
                for try await result in group { #expect(result == [true]) }
            }
            let head = try await store.head(of: partition, limit: 1000)
            #expect(head.count == 200)
            #expect(head.map(\.sequence) == head.map(\.sequence).sorted())
        },
        Case(name: "one id sent by many requests at once is new for exactly one of them") { storage in
            let store = try await open(storage)
            let results = try await withThrowingTaskGroup(of: [Bool].self) { group in
                for index in 0..<20 {
                    group.addTask { try await store.append([event("same"), event("own-\(index)")], routes: [["file"], ["file"]]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0[0] }.count == 1)
            #expect(results.allSatisfy { $0[1] })
            #expect(try await store.head(of: partition, limit: 100).filter { $0.event.id == "same" }.count == 1)
        },
        Case(name: "an event routed nowhere is stored and acknowledged") { storage in
            let store = try await open(storage)
            #expect(try await store.append([event("quiet")], routes: [[]]) == [true])
            #expect(try await store.head(of: partition, limit: 10).isEmpty)
            #expect(try await store.status(tenant: "acme", id: "quiet")?.destinations == [])
        },
        Case(name: "commits take events off the head and keep retries and dead letters") { storage in
            let store = try await open(storage)
            _ = try await store.append([event("a"), event("b"), event("c")], routes: [["file"], ["file"], ["file"]])
            let events = try await store.head(of: partition, limit: 10)
            let now = Timestamp(millisecondsSince1970: 1_700_000_000_000)
            let reason = FailureReason(code: "http_500", message: "down", status: 500)
            try await store.commit(
                DeliveryCommit(
                    partition: partition,
                    state: PartitionState(),
                    taken: events.map(\.sequence),
                    retries: [.init(sequence: events[1].sequence, failures: 1, nextAttempt: now.adding(.seconds(5)), firstFailure: now, reason: reason)],
                    deadLetters: [.init(sequence: events[2].sequence, eventID: "c", attempts: 1, reason: reason, failedAt: now)]
                )
            )
            #expect(try await store.head(of: partition, limit: 10).isEmpty)
            #expect(try await store.dueRetries(in: partition, now: now, limit: 10).isEmpty)
            let due = try await store.dueRetries(in: partition, now: now.adding(.seconds(5)), limit: 10)
            #expect(due.map(\.event.id) == ["b"])
            #expect(due.first?.failures == 1)
            #expect(due.first?.firstFailure == now)
            #expect(due.first?.event == events[1].event)
            #expect(try await store.nextRetry(in: partition) == now.adding(.seconds(5)))
            let dead = try await store.deadLetters(tenant: "acme", destination: nil, limit: 10)
            #expect(dead.map(\.eventID) == ["c"])
            #expect(dead.first?.reason == reason)
            #expect(dead.first?.attempts == 1)
            #expect(dead.first?.failedAt == now)
            // Rescheduling replaces the retry; finishing it removes it.
            try await store.commit(
                DeliveryCommit(
                    partition: partition,
                    state: PartitionState(),
                    retries: [.init(sequence: events[1].sequence, failures: 2, nextAttempt: now.adding(.seconds(9)), firstFailure: now, reason: reason)]
                )
            )
            #expect(try await store.nextRetry(in: partition) == now.adding(.seconds(9)))
            #expect(try await store.dueRetries(in: partition, now: now.adding(.seconds(9)), limit: 10).first?.failures == 2)
            try await store.commit(DeliveryCommit(partition: partition, state: PartitionState(), finishedRetries: [events[1].sequence]))
            #expect(try await store.nextRetry(in: partition) == nil)
        },
        Case(name: "a failing head stays in place with its persisted pause") { storage in
            let store = try await open(storage)
            _ = try await store.append([event("a")], routes: [["file"]])
            let failing = PartitionState(headFailures: 2, failingSince: Timestamp(millisecondsSince1970: 5), pausedUntil: Timestamp(millisecondsSince1970: 99))
            try await store.commit(DeliveryCommit(partition: partition, state: failing))
            #expect(try await store.state(of: partition) == failing)
            #expect(try await store.head(of: partition, limit: 10).map(\.event.id) == ["a"])
            #expect(try await store.state(of: PartitionKey(tenant: "acme", destination: "never")) == PartitionState())
        },
        Case(name: "data survives reopening the store") { storage in
            do {
                let store = try await open(storage)
                _ = try await store.append([event("a"), event("b")], routes: [["file"], ["file"]])
                let first = try await store.head(of: partition, limit: 1)
                try await store.commit(
                    DeliveryCommit(partition: partition, state: PartitionState(headFailures: 2, failingSince: Timestamp(millisecondsSince1970: 5)), taken: first.map(\.sequence))
                )
            }
            let reopened = try await open(storage)
            #expect(try await reopened.head(of: partition, limit: 10).map(\.event.id) == ["b"])
            #expect(try await reopened.state(of: partition) == PartitionState(headFailures: 2, failingSince: Timestamp(millisecondsSince1970: 5)))
            #expect(try await reopened.append([event("a")], routes: [["file"]]) == [false])
        },
        Case(name: "reads see writes committed after an earlier read") { storage in
            let store = try await open(storage)
            #expect(try await store.head(of: partition, limit: 10).isEmpty)
            #expect(try await store.nextRetry(in: partition) == nil)
            _ = try await store.append([event("late")], routes: [["file"]])
            #expect(try await store.head(of: partition, limit: 10).map(\.event.id) == ["late"])
        },
        Case(name: "status follows an event through pending, retrying, delivered and dead") { storage in
            let store = try await open(storage, leasing: [partition, PartitionKey(tenant: "acme", destination: "hook")])
            _ = try await store.append([event("a")], routes: [["file", "hook"]])
            var status = try await store.status(tenant: "acme", id: "a")
            #expect(status?.event == event("a"))
            #expect(status?.destinations.map(\.id) == ["file", "hook"])
            #expect(status?.destinations.map(\.state) == [.pending, .pending])
            let sequence = try #require(status?.sequence)
            let at = Timestamp(millisecondsSince1970: 1_700_000_000_000)
            let reason = FailureReason(code: "http_503", message: "busy", status: 503)
            try await store.commit(
                DeliveryCommit(
                    partition: partition,
                    state: PartitionState(headFailures: 1, failingSince: at, pausedUntil: at.adding(.seconds(30))),
                    attempts: [AttemptRecord(sequence: sequence, attempt: 1, at: at, outcome: .retry, reason: reason, latencyMilliseconds: 12)]
                )
            )
            let hook = PartitionKey(tenant: "acme", destination: "hook")
            try await store.commit(
                DeliveryCommit(
                    partition: hook,
                    state: PartitionState(),
                    taken: [sequence],
                    deadLetters: [.init(sequence: sequence, eventID: "a", attempts: 1, reason: FailureReason(code: "http_404", message: "gone", status: 404), failedAt: at)],
                    attempts: [AttemptRecord(sequence: sequence, attempt: 1, at: at, outcome: .rejected, reason: FailureReason(code: "http_404", message: "gone", status: 404), latencyMilliseconds: 3)]
                )
            )
            status = try await store.status(tenant: "acme", id: "a")
            #expect(status?.destinations[0].state == .retrying(next: at.adding(.seconds(30))))
            #expect(status?.destinations[0].attempts == [AttemptRecord(sequence: sequence, attempt: 1, at: at, outcome: .retry, reason: reason, latencyMilliseconds: 12)])
            #expect(status?.destinations[1].state == .dead)
            #expect(status?.destinations[1].deadReason == FailureReason(code: "http_404", message: "gone", status: 404))
            try await store.commit(
                DeliveryCommit(
                    partition: partition,
                    state: PartitionState(),
                    taken: [sequence],
                    attempts: [AttemptRecord(sequence: sequence, attempt: 2, at: at.adding(.seconds(30)), outcome: .delivered, reason: nil, latencyMilliseconds: 4)]
                )
            )
            status = try await store.status(tenant: "acme", id: "a")
            #expect(status?.destinations[0].state == .delivered)
            #expect(status?.destinations[0].attempts.map(\.outcome) == [.retry, .delivered])
            #expect(status?.destinations[0].attempts.last?.reason == nil)
            #expect(try await store.status(tenant: "acme", id: "missing") == nil)
            #expect(try await store.status(tenant: "globex", id: "a") == nil)
        },
        Case(name: "pruning deletes only what no destination still needs") { storage in
            let store = try await open(storage)
            _ = try await store.append(
                [event("retrying", receivedAt: 1000), event("done", receivedAt: 1000), event("waiting", receivedAt: 1000), event("new", receivedAt: 9000)],
                routes: [["file"], ["file"], ["file"], ["file"]]
            )
            let events = try await store.head(of: partition, limit: 10)
            let reason = FailureReason(code: "x", message: "y")
            try await store.commit(
                DeliveryCommit(
                    partition: partition,
                    state: PartitionState(),
                    taken: [events[0].sequence, events[1].sequence],
                    retries: [.init(sequence: events[0].sequence, failures: 1, nextAttempt: Timestamp(millisecondsSince1970: 99_999), firstFailure: Timestamp(millisecondsSince1970: 1), reason: reason)],
                    attempts: [AttemptRecord(sequence: events[1].sequence, attempt: 1, at: Timestamp(millisecondsSince1970: 1), outcome: .delivered, reason: nil, latencyMilliseconds: 3)]
                )
            )
            // One event per step: the waiting ones must not stop the scan from reaching the done one.
            let pruned = try await store.prune(receivedBefore: Timestamp(millisecondsSince1970: 5000), step: 1)
            #expect(pruned == 1)
            #expect(try await store.status(tenant: "acme", id: "done") == nil)
            #expect(try await store.status(tenant: "acme", id: "retrying")?.destinations.first?.state == .retrying(next: Timestamp(millisecondsSince1970: 99_999)))
            #expect(try await store.status(tenant: "acme", id: "waiting")?.destinations.first?.state == .pending)
            #expect(try await store.status(tenant: "acme", id: "new") != nil)
        },
        Case(name: "after pruning, new events still reach the head") { storage in
            let store = try await open(storage)
            _ = try await store.append([event("one", receivedAt: 1), event("two", receivedAt: 2)], routes: [["file"], ["file"]])
            _ = try await deliverHead(store)
            _ = try await store.prune(receivedBefore: Timestamp(millisecondsSince1970: 1000))
            #expect(try await store.status(tenant: "acme", id: "one") == nil)
            _ = try await store.append([event("three", receivedAt: 3)], routes: [["file"]])
            #expect(try await store.head(of: partition, limit: 10).map(\.event.id) == ["three"])
        },
        Case(name: "replay moves dead letters back and statistics count them") { storage in
            let store = try await open(storage)
            _ = try await store.append([event("a", receivedAt: 1), event("b", receivedAt: 2)], routes: [["file"], ["file"]])
            let events = try await store.head(of: partition, limit: 10)
            let reason = FailureReason(code: "http_404", message: "gone", status: 404)
            #expect(try await store.statistics().partitions[partition]?.backlog == 2)
            try await store.commit(
                DeliveryCommit(
                    partition: partition,
                    state: PartitionState(),
                    taken: events.map(\.sequence),
                    deadLetters: events.map { .init(sequence: $0.sequence, eventID: $0.event.id, attempts: 1, reason: reason, failedAt: Timestamp(millisecondsSince1970: 10)) }
                )
            )
            let statistics = try await store.statistics()
            #expect(statistics.partitions[partition] == .init(backlog: 0, deadLetters: 2))
            #expect(statistics.bytes > 0)
            let result = try await store.replay(tenant: "acme", selection: .ids(["a", "zzz"], destination: nil), now: Timestamp(millisecondsSince1970: 20))
            #expect(result.replayed == [partition: 1])
            #expect(result.notFound == ["zzz"])
            let due = try await store.dueRetries(in: partition, now: Timestamp(millisecondsSince1970: 20), limit: 10)
            #expect(due.map(\.event.id) == ["a"])
            #expect(due.first?.failures == 0)
            #expect(try await store.statistics().partitions[partition] == .init(backlog: 1, deadLetters: 1))
            let rest = try await store.replay(tenant: "acme", selection: .destination("file", since: Timestamp(millisecondsSince1970: 5)), now: Timestamp(millisecondsSince1970: 20))
            #expect(rest.count == 1)
            #expect(try await store.deadLetters(tenant: "acme", destination: nil, limit: 10).isEmpty)
            #expect(try await store.replay(tenant: "globex", selection: .destination("file", since: nil), now: Timestamp(millisecondsSince1970: 20)).count == 0)
        },
        Case(name: "dead-letter pages never skip an event dead at several destinations") { storage in
            let x = PartitionKey(tenant: "acme", destination: "x")
            let y = PartitionKey(tenant: "acme", destination: "y")
            let store = try await open(storage, leasing: [x, y])
            _ = try await store.append([event("a", receivedAt: 1), event("b", receivedAt: 2)], routes: [["x", "y"], ["x", "y"]])
            for partition in [x, y] {
                let events = try await store.head(of: partition, limit: 10)
                try await store.commit(
                    DeliveryCommit(
                        partition: partition,
                        state: PartitionState(),
                        taken: events.map(\.sequence),
                        deadLetters: events.map {
                            .init(sequence: $0.sequence, eventID: $0.event.id, attempts: 1, reason: FailureReason(code: "c", message: "m"), failedAt: Timestamp(millisecondsSince1970: 5))
                        }
                    )
                )
            }
            var seen: [String] = []
            var cursor: DeadLetterCursor?
            while true {
                let page = try await store.deadLetters(tenant: "acme", query: DeadLetterQuery(limit: 1, after: cursor))
                guard let last = page.last else { break }
                seen.append("\(last.eventID)@\(last.partition.destination)")
                cursor = DeadLetterCursor(sequence: last.sequence, destination: last.partition.destination)
            }
            #expect(seen == ["b@x", "b@y", "a@x", "a@y"])
            #expect(try await store.deadLetters(tenant: "acme", query: DeadLetterQuery(destination: "y", limit: 10)).map(\.eventID) == ["b", "a"])
            #expect(try await store.deadLetters(tenant: "acme", query: DeadLetterQuery(since: Timestamp(millisecondsSince1970: 6), limit: 10)).isEmpty)
        },
    ]
}
