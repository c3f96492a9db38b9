import RouterCore
import Testing

/// The operator console's dead-letter counts and replays, partition health and "retry now".
extension EventStoreConformance {
    static let healthCases: [Case] = [
        Case(name: "dead letters are counted and replayed by one filter, only the tenant's own") { storage in
            let partitions = ["acme", "globex"].flatMap { tenant in ["file", "hook"].map { PartitionKey(tenant: tenant, destination: $0) } }
            let store = try await open(storage, leasing: partitions)
            let badRequest = FailureReason(code: "http_400", message: "bad", status: 400)
            let down = FailureReason(code: "http_500", message: "down", status: 500)
            for tenant in ["acme", "globex"] {
                // The same ids under both tenants.
                _ = try await store.append(
                    ["a", "b", "c"].map { event($0, tenant: tenant) },
                    routes: [["file", "hook"], ["file", "hook"], ["file", "hook"]]
                )
                let file = try await store.head(of: PartitionKey(tenant: tenant, destination: "file"), limit: 10)
                let failures = [(badRequest, 10), (down, 20), (badRequest, 30)]
                try await store.commit(
                    DeliveryCommit(
                        partition: PartitionKey(tenant: tenant, destination: "file"),
                        state: PartitionState(),
                        taken: file.map(\.sequence),
                        deadLetters: zip(file, failures).map { event, failure in
                            .init(sequence: event.sequence, eventID: event.event.id, attempts: 1, reason: failure.0, failedAt: Timestamp(millisecondsSince1970: Int64(failure.1)))
                        }
                    )
                )
                let hook = try await store.head(of: PartitionKey(tenant: tenant, destination: "hook"), limit: 10)
                try await store.commit(
                    DeliveryCommit(
                        partition: PartitionKey(tenant: tenant, destination: "hook"),
                        state: PartitionState(),
                        taken: hook.map(\.sequence),
                        deadLetters: [.init(sequence: hook[0].sequence, eventID: "a", attempts: 1, reason: badRequest, failedAt: Timestamp(millisecondsSince1970: 10))]
                    )
                )
            }
            func count(_ query: DeadLetterQuery, tenant: String = "acme") async throws -> Int {
                try await store.countDeadLetters(tenant: tenant, query: query)
            }
            #expect(try await count(DeadLetterQuery()) == 4)
            #expect(try await count(DeadLetterQuery(reason: "http_400")) == 3)
            #expect(try await count(DeadLetterQuery(destination: "file")) == 3)
            #expect(try await count(DeadLetterQuery(destination: "file", reason: "http_400")) == 2)
            #expect(try await count(DeadLetterQuery(since: Timestamp(millisecondsSince1970: 20))) == 2)
            #expect(try await count(DeadLetterQuery(until: Timestamp(millisecondsSince1970: 30))) == 3)
            #expect(try await count(DeadLetterQuery(since: Timestamp(millisecondsSince1970: 10), until: Timestamp(millisecondsSince1970: 30), reason: "http_400")) == 2)
            #expect(try await count(DeadLetterQuery(reason: "http_404")) == 0)
            #expect(try await count(DeadLetterQuery(), tenant: "initech") == 0)
            // The count ignores the page size; the list honours the reason too.
            #expect(try await count(DeadLetterQuery(limit: 1)) == 4)
            let listed = try await store.deadLetters(tenant: "acme", query: DeadLetterQuery(reason: "http_400"))
            #expect(listed.map { "\($0.eventID)@\($0.partition.destination)" } == ["c@file", "a@file", "a@hook"])
            #expect(listed.allSatisfy { $0.reason == badRequest && $0.partition.tenant == "acme" })

            let matching = DeadLetterQuery(destination: "file", reason: "http_400", limit: 1, after: DeadLetterCursor(sequence: 0, destination: "file"))
            let result = try await store.replay(tenant: "acme", selection: .matching(matching), now: Timestamp(millisecondsSince1970: 100))
            #expect(result.replayed == [partition: 2])
            #expect(result.notFound.isEmpty)
            let due = try await store.dueRetries(in: partition, now: Timestamp(millisecondsSince1970: 100), limit: 10)
            #expect(due.map(\.event.id) == ["a", "c"])
            #expect(due.allSatisfy { $0.event.tenant == "acme" })
            #expect(try await store.deadLetters(tenant: "acme", query: DeadLetterQuery()).map { "\($0.eventID)@\($0.partition.destination)" } == ["b@file", "a@hook"])
            // The other tenant's dead letters, under the same ids, stay.
            #expect(try await count(DeadLetterQuery(), tenant: "globex") == 4)
            #expect(try await count(DeadLetterQuery(destination: "file", reason: "http_400"), tenant: "globex") == 2)
            #expect(try await store.dueRetries(in: PartitionKey(tenant: "globex", destination: "file"), now: Timestamp(millisecondsSince1970: 100), limit: 10).isEmpty)
            // Replaying what no longer matches moves nothing.
            #expect(try await store.replay(tenant: "acme", selection: .matching(matching), now: Timestamp(millisecondsSince1970: 100)).count == 0)
            let early = DeadLetterQuery(since: Timestamp(millisecondsSince1970: 5), until: Timestamp(millisecondsSince1970: 15))
            let replayed = try await store.replay(tenant: "acme", selection: .matching(early), now: Timestamp(millisecondsSince1970: 100))
            #expect(replayed.replayed == [PartitionKey(tenant: "acme", destination: "hook"): 1])
            #expect(try await count(DeadLetterQuery()) == 1)
        },
        Case(name: "health counts what waits and keeps the last failure and per-minute totals") { storage in
            let hook = PartitionKey(tenant: "acme", destination: "hook")
            let store = try await open(storage, leasing: [partition, hook])
            _ = try await store.append(
                [event("a", receivedAt: 1000), event("b", receivedAt: 2000), event("c", receivedAt: 3000), event("d", receivedAt: 4000)],
                routes: [["file"], ["file"], ["file"], ["hook"]]
            )
            let head = try await store.head(of: partition, limit: 10)
            let minute = Timestamp(millisecondsSince1970: 1_700_000_040_000 - 1_700_000_040_000 % 60_000)
            let busy = FailureReason(code: "http_503", message: "busy", status: 503)
            let rejected = FailureReason(code: "http_400", message: "bad request", status: 400)
            let paused = PartitionState(headFailures: 1, failingSince: minute, pausedUntil: minute.adding(.seconds(600)))
            try await store.commit(
                DeliveryCommit(
                    partition: partition,
                    state: paused,
                    taken: [head[0].sequence, head[1].sequence],
                    retries: [.init(sequence: head[1].sequence, failures: 1, nextAttempt: minute.adding(.seconds(3600)), firstFailure: minute, reason: busy)],
                    attempts: [
                        AttemptRecord(sequence: head[0].sequence, attempt: 1, at: minute.adding(.seconds(5)), outcome: .delivered, reason: nil, latencyMilliseconds: 3),
                        AttemptRecord(sequence: head[1].sequence, attempt: 1, at: minute.adding(.seconds(5)), outcome: .retry, reason: busy, latencyMilliseconds: 40),
                    ]
                )
            )
            try await store.commit(
                DeliveryCommit(
                    partition: partition,
                    state: paused,
                    taken: [head[2].sequence],
                    deadLetters: [.init(sequence: head[2].sequence, eventID: "c", attempts: 1, reason: rejected, failedAt: minute.adding(.seconds(65)))],
                    attempts: [AttemptRecord(sequence: head[2].sequence, attempt: 1, at: minute.adding(.seconds(65)), outcome: .rejected, reason: rejected, latencyMilliseconds: 12_000)]
                )
            )
            // Delivering later keeps the last failure.
            try await store.commit(
                DeliveryCommit(
                    partition: partition,
                    state: paused,
                    attempts: [AttemptRecord(sequence: head[1].sequence, attempt: 2, at: minute.adding(.seconds(70)), outcome: .delivered, reason: nil, latencyMilliseconds: 3)]
                )
            )
            func latency(_ counts: [Int: Int]) -> [Int] {
                (0..<LatencyBuckets.count).map { counts[$0] ?? 0 }
            }
            let health = try await store.health(since: minute)
            #expect(health.map(\.partition) == [partition, hook])
            let file = try #require(health.first)
            #expect(file.state == paused)
            #expect(file.backlog == 0)
            #expect(file.retrying == 1)
            #expect(file.deadLetters == 1)
            #expect(file.oldestWaiting == Timestamp(millisecondsSince1970: 2000))
            #expect(file.lastFailure == AttemptFailure(at: minute.adding(.seconds(65)), reason: rejected))
            #expect(
                file.minutes == [
                    .init(start: minute, delivered: 1, failed: 1, latency: latency([LatencyBuckets.index(of: 3): 1, LatencyBuckets.index(of: 40): 1])),
                    .init(start: minute.adding(.seconds(60)), delivered: 1, failed: 1, latency: latency([LatencyBuckets.index(of: 3): 1, LatencyBuckets.count - 1: 1])),
                ]
            )
            let other = try #require(health.last)
            #expect(other.state == PartitionState())
            #expect(other.backlog == 1)
            #expect(other.retrying == 0)
            #expect(other.deadLetters == 0)
            #expect(other.oldestWaiting == Timestamp(millisecondsSince1970: 4000))
            #expect(other.lastFailure == nil)
            #expect(other.minutes.isEmpty)
            // Minutes start at the one `since` falls in.
            #expect(try await store.health(since: minute.adding(.seconds(90))).first?.minutes.map(\.start) == [minute.adding(.seconds(60))])
            #expect(try await store.health(since: minute.adding(.seconds(120))).first?.minutes.isEmpty == true)
        },
        Case(name: "health counts stop at the cap") { storage in
            let store = try await open(storage)
            let batch = 1001
            for start in stride(from: 0, to: PartitionHealth.countCap + 5, by: batch) {
                let events = (start..<start + batch).map { event("e\($0)", receivedAt: 1000, json: #"{"n":\#($0)}"#) }
                _ = try await store.append(events, routes: events.map { _ in ["file"] })
            }
            let health = try await store.health(since: Timestamp(millisecondsSince1970: 0))
            #expect(health.first?.backlog == PartitionHealth.countCap)
            #expect(health.first?.oldestWaiting == Timestamp(millisecondsSince1970: 1000))
        },
        Case(name: "retry now makes every retry of the partition due and lifts its pause") { storage in
            let hook = PartitionKey(tenant: "acme", destination: "hook")
            let store = try await open(storage, leasing: [partition, hook])
            _ = try await store.append([event("a"), event("b"), event("c"), event("d")], routes: [["file"], ["file"], ["file"], ["hook"]])
            let head = try await store.head(of: partition, limit: 10)
            let now = Timestamp(millisecondsSince1970: 1_700_000_000_000)
            let reason = FailureReason(code: "http_503", message: "busy", status: 503)
            let failing = PartitionState(headFailures: 3, failingSince: now.adding(.seconds(-600)), pausedUntil: now.adding(.seconds(300)))
            try await store.commit(
                DeliveryCommit(
                    partition: partition,
                    state: failing,
                    taken: [head[0].sequence, head[1].sequence],
                    retries: [
                        .init(sequence: head[0].sequence, failures: 2, nextAttempt: now.adding(.seconds(3600)), firstFailure: now, reason: reason),
                        .init(sequence: head[1].sequence, failures: 5, nextAttempt: now.adding(.seconds(60)), firstFailure: now, reason: reason),
                    ]
                )
            )
            let hookHead = try await store.head(of: hook, limit: 10)
            try await store.commit(
                DeliveryCommit(
                    partition: hook,
                    state: PartitionState(),
                    taken: hookHead.map(\.sequence),
                    retries: [.init(sequence: hookHead[0].sequence, failures: 1, nextAttempt: now.adding(.seconds(3600)), firstFailure: now, reason: reason)]
                )
            )
            #expect(try await store.dueRetries(in: partition, now: now, limit: 10).isEmpty)
            #expect(try await store.retryNow(partition, now: now) == 2)
            let due = try await store.dueRetries(in: partition, now: now, limit: 10)
            #expect(due.map(\.event.id) == ["a", "b"])
            #expect(due.map(\.failures) == [2, 5])
            #expect(try await store.nextRetry(in: partition) == now)
            #expect(try await store.state(of: partition) == PartitionState(headFailures: 3, failingSince: failing.failingSince, pausedUntil: nil))
            #expect(try await store.head(of: partition, limit: 10).map(\.event.id) == ["c"])
            // Other partitions keep their schedule.
            #expect(try await store.dueRetries(in: hook, now: now, limit: 10).isEmpty)
            #expect(try await store.retryNow(PartitionKey(tenant: "acme", destination: "never"), now: now) == 0)
        },
    ]
}
