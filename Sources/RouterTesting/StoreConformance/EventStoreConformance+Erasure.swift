import RouterCore
import Testing

/// Erasing payloads: one event, and a tenant's events by a property value.
extension EventStoreConformance {
    static let erasedAt = Timestamp(millisecondsSince1970: 1_700_000_000_000)

    static let erasureCases: [Case] = [
        Case(name: "erasing a payload keeps the row, shows it erased, and parks its waiting deliveries as erased") { storage in
            let hook = PartitionKey(tenant: "acme", destination: "hook")
            let done = PartitionKey(tenant: "acme", destination: "done")
            let gone = PartitionKey(tenant: "acme", destination: "gone")
            let store = try await open(storage, leasing: [partition, hook, done, gone])
            _ = try await store.append(
                [event("a"), event("x"), event("y")],
                routes: [["file"], ["file", "hook", "done", "gone"], ["file"]]
            )
            let x = try #require(try await store.head(of: hook, limit: 10).first)
            let at = Timestamp(millisecondsSince1970: 1_600_000_000_000)
            let busy = FailureReason(code: "http_503", message: "busy", status: 503)
            let attempt = AttemptRecord(sequence: x.sequence, attempt: 1, at: at, outcome: .retry, reason: busy, latencyMilliseconds: 7)
            // hook: waiting as a retry; done: delivered; gone: already dead; file: at the head, behind "a".
            try await store.commit(
                DeliveryCommit(
                    partition: hook,
                    state: PartitionState(),
                    taken: [x.sequence],
                    retries: [.init(sequence: x.sequence, failures: 1, nextAttempt: at.adding(.seconds(5)), firstFailure: at, reason: busy)],
                    attempts: [attempt]
                )
            )
            _ = try await deliverHead(store, done)
            let notFound = FailureReason(code: "http_404", message: "gone", status: 404)
            try await store.commit(
                DeliveryCommit(
                    partition: gone,
                    state: PartitionState(),
                    taken: [x.sequence],
                    deadLetters: [.init(sequence: x.sequence, eventID: "x", attempts: 1, reason: notFound, failedAt: at)]
                )
            )
            let result = try #require(try await store.erasePayload(tenant: "acme", id: "x", now: erasedAt))
            #expect(result == ErasureResult(id: "x", sequence: x.sequence, erasedAt: erasedAt, alreadyErased: false, deadLettered: [partition, hook]))
            let status = try #require(try await store.status(tenant: "acme", id: "x"))
            #expect(status.erasedAt == erasedAt)
            #expect(status.event.properties.isEmpty, "the payload is gone, not kept beside the tombstone")
            #expect(status.event.id == "x")
            #expect(status.event.receivedAt == event("x").receivedAt)
            #expect(status.destinations.map(\.id) == ["done", "file", "gone", "hook"])
            #expect(status.destinations.map(\.state) == [.delivered, .dead, .dead, .dead])
            #expect(status.destinations.map(\.deadReason) == [nil, .erased, notFound, .erased])
            #expect(status.destinations[3].attempts == [attempt], "the delivery record stays")
            #expect(try await store.status(tenant: "acme", id: "a")?.erasedAt == nil)
            // Nothing of it is delivered any more.
            #expect(try await store.head(of: partition, limit: 10).map(\.event.id) == ["a", "y"])
            #expect(try await store.dueRetries(in: hook, now: at.adding(.seconds(3600)), limit: 10).isEmpty)
            #expect(try await store.nextRetry(in: hook) == nil)
            let dead = try await store.deadLetters(tenant: "acme", query: DeadLetterQuery(reason: "erased"))
            #expect(dead.map(\.partition).sorted { $0.destination < $1.destination } == [partition, hook])
            #expect(dead.first { $0.partition == hook }?.attempts == 1)
            #expect(dead.allSatisfy { $0.eventID == "x" && $0.failedAt == erasedAt })
            // The list shows it erased and where it stands.
            let listed = try #require(try await store.events(tenant: "acme", query: EventQuery(id: "x")).entries.first)
            #expect(listed.erasedAt == erasedAt)
            #expect(listed.destinations.first { $0.id == "file" }?.state == .dead)
            #expect(try await store.events(tenant: "acme", query: EventQuery(id: "a")).entries.first?.erasedAt == nil)
            #expect(try await store.events(tenant: "acme", query: EventQuery(destination: "file", state: .dead)).entries.map(\.id) == ["x"])
            // Erasing again changes nothing; unknown ids and other tenants' are not found.
            let again = try await store.erasePayload(tenant: "acme", id: "x", now: erasedAt.adding(.seconds(60)))
            #expect(again == ErasureResult(id: "x", sequence: x.sequence, erasedAt: erasedAt, alreadyErased: true, deadLettered: []))
            #expect(try await store.erasePayload(tenant: "acme", id: "missing", now: erasedAt) == nil)
            #expect(try await store.erasePayload(tenant: "globex", id: "x", now: erasedAt) == nil)
            // Once the head moves past it, nothing of it counts as backlog.
            _ = try await deliverHead(store)
            #expect(try await store.statistics().partitions[partition] == .init(backlog: 0, deadLetters: 1))
        },
        Case(name: "erased events that lead a head are skipped and stop counting as backlog") { storage in
            let store = try await open(storage)
            _ = try await store.append([event("a"), event("b"), event("c")], routes: [["file"], ["file"], ["file"]])
            for id in ["a", "b"] { _ = try await store.erasePayload(tenant: "acme", id: id, now: erasedAt) }
            #expect(try await store.head(of: partition, limit: 10).map(\.event.id) == ["c"])
            #expect(try await store.statistics().partitions[partition] == .init(backlog: 1, deadLetters: 2))
            _ = try await store.erasePayload(tenant: "acme", id: "c", now: erasedAt)
            #expect(try await store.head(of: partition, limit: 10).isEmpty)
            #expect(try await store.statistics().partitions[partition] == .init(backlog: 0, deadLetters: 3))
            // New events still reach the head.
            _ = try await store.append([event("d")], routes: [["file"]])
            #expect(try await store.head(of: partition, limit: 10).map(\.event.id) == ["d"])
        },
        Case(name: "a worker that read an event before its erasure commits without bringing it back") { storage in
            let store = try await open(storage)
            _ = try await store.append([event("x"), event("z")], routes: [["file"], ["file"]])
            let read = try await store.head(of: partition, limit: 10)
            _ = try await store.erasePayload(tenant: "acme", id: "x", now: erasedAt)
            let later = erasedAt.adding(.seconds(1))
            let reason = FailureReason(code: "http_500", message: "down", status: 500)
            // The batch read before the erasure: a retry for x, z rejected.
            try await store.commit(
                DeliveryCommit(
                    partition: partition,
                    state: PartitionState(),
                    taken: read.map(\.sequence),
                    retries: [.init(sequence: read[0].sequence, failures: 1, nextAttempt: later, firstFailure: later, reason: reason)],
                    deadLetters: [
                        .init(sequence: read[0].sequence, eventID: "x", attempts: 1, reason: reason, failedAt: later),
                        .init(sequence: read[1].sequence, eventID: "z", attempts: 1, reason: reason, failedAt: later),
                    ],
                    attempts: read.map { AttemptRecord(sequence: $0.sequence, attempt: 1, at: later, outcome: .retry, reason: reason, latencyMilliseconds: 3) }
                )
            )
            #expect(try await store.dueRetries(in: partition, now: later.adding(.seconds(3600)), limit: 10).isEmpty)
            #expect(try await store.nextRetry(in: partition) == nil)
            let x = try #require(try await store.status(tenant: "acme", id: "x")?.destinations.first)
            #expect(x.state == .dead)
            #expect(x.deadReason == .erased, "the erasure's reason stays")
            #expect(x.attempts.count == 1, "the attempt made is recorded")
            #expect(try await store.status(tenant: "acme", id: "z")?.destinations.first?.deadReason == reason, "other events commit as usual")
        },
        Case(name: "a replay of an erased event is refused and named, and its dead letter stays") { storage in
            let store = try await open(storage)
            _ = try await store.append([event("x"), event("w")], routes: [["file"], ["file"]])
            let events = try await store.head(of: partition, limit: 10)
            let reason = FailureReason(code: "http_404", message: "gone", status: 404)
            try await store.commit(
                DeliveryCommit(
                    partition: partition,
                    state: PartitionState(),
                    taken: events.map(\.sequence),
                    deadLetters: events.map { .init(sequence: $0.sequence, eventID: $0.event.id, attempts: 1, reason: reason, failedAt: erasedAt) }
                )
            )
            let erased = try #require(try await store.erasePayload(tenant: "acme", id: "x", now: erasedAt))
            #expect(erased.deadLettered.isEmpty, "it was dead already")
            let byID = try await store.replay(tenant: "acme", selection: .ids(["x", "zzz"], destination: nil), now: erasedAt)
            #expect(byID.replayed.isEmpty)
            #expect(byID.erased == ["x"])
            #expect(byID.notFound == ["zzz"])
            let all = try await store.replay(tenant: "acme", selection: .destination("file", since: nil), now: erasedAt)
            #expect(all.replayed == [partition: 1])
            #expect(all.erased == ["x"])
            let matching = try await store.replay(tenant: "acme", selection: .matching(DeadLetterQuery(reason: "http_404")), now: erasedAt)
            #expect(matching.count == 0)
            #expect(matching.erased == ["x"])
            #expect(try await store.dueRetries(in: partition, now: erasedAt, limit: 10).map(\.event.id) == ["w"])
            #expect(try await store.deadLetters(tenant: "acme", destination: nil, limit: 10).map(\.eventID) == ["x"])
        },
        Case(name: "erasures racing delivery commits leave nothing of the erased events to deliver") { storage in
            let store = try await open(storage)
            let count = 40
            _ = try await store.append((0..<count).map { event("r\($0)") }, routes: Array(repeating: ["file"], count: count))
            let head = try await store.head(of: partition, limit: 100)
            let start = Timestamp(millisecondsSince1970: 1_600_000_000_000)
            let reason = FailureReason(code: "http_500", message: "down", status: 500)
            try await store.commit(.failedOnce(head, of: partition, at: start, reason: reason))
            let far = start.adding(.seconds(86_400))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // A worker rescheduling whatever it finds due, as fast as it can.
                    for round in 0..<30 {
                        let due = try await store.dueRetries(in: partition, now: far, limit: 100)
                        guard !due.isEmpty else { break }
                        try await store.commit(
                            DeliveryCommit(
                                partition: partition,
                                state: PartitionState(),
                                retries: due.map {
                                    .init(sequence: $0.sequence, failures: round + 2, nextAttempt: start, firstFailure: start, reason: reason)
                                }
                            )
                        )
                    }
                }
                group.addTask {
                    for index in 0..<count { _ = try await store.erasePayload(tenant: "acme", id: "r\(index)", now: erasedAt) }
                }
                try await group.waitForAll()
            }
            #expect(try await store.dueRetries(in: partition, now: far, limit: 100).isEmpty)
            #expect(try await store.nextRetry(in: partition) == nil)
            #expect(try await store.countDeadLetters(tenant: "acme", query: DeadLetterQuery(reason: "erased")) == count)
            #expect(try await store.statistics().partitions[partition] == .init(backlog: 0, deadLetters: count))
        },
    ]
}
