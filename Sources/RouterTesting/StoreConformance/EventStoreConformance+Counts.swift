import RouterCore
import Testing

/// The backlog and dead-letter figures a store keeps as its rows change, and replays too large
/// for one step.
extension EventStoreConformance {
    /// Expects `statistics` to equal a count over the whole tables (a partition missing on one
    /// side counts as nothing waiting and nothing dead).
    static func expectCountsMatch(
        _ store: any EventStore,
        _ storage: any EventStoreStorage,
        after step: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let kept = try await store.statistics().partitions
        let counted = try await storage.recount()
        let none = StoreStatistics.Partition(backlog: 0, deadLetters: 0)
        for partition in Set(kept.keys).union(counted.keys).sorted(by: { ($0.tenant, $0.destination) < ($1.tenant, $1.destination) }) {
            #expect(
                kept[partition] ?? none == counted[partition] ?? none,
                "after \(step): \(partition.tenant)/\(partition.destination)",
                sourceLocation: sourceLocation
            )
        }
    }

    static let countCases: [Case] = [
        Case(name: "the backlog and dead-letter figures equal a fresh count after every kind of change") { storage in
            let x = PartitionKey(tenant: "acme", destination: "x")
            let y = PartitionKey(tenant: "acme", destination: "y")
            let z = PartitionKey(tenant: "acme", destination: "z")
            let other = PartitionKey(tenant: "globex", destination: "x")
            let store = try await open(storage, leasing: [x, y, z, other])
            let ids = (0..<24).map { "e\($0)" }
            let routes: [[String]] = ids.indices.map { index in [["x"], ["x", "y"], ["y", "z"], []][index % 4] }
            _ = try await store.append(ids.map { event($0, receivedAt: 1000) }, routes: routes)
            _ = try await store.append([event("e0"), event("g0", tenant: "globex", receivedAt: 1000)], routes: [["x"], ["x"]])
            try await expectCountsMatch(store, storage, after: "appending (with a duplicate)")

            let at = Timestamp(millisecondsSince1970: 1_700_000_000_000)
            let busy = FailureReason(code: "http_503", message: "busy", status: 503)
            let gone = FailureReason(code: "http_404", message: "gone", status: 404)
            // x: the first four delivered, two retried, two dead; the rest wait.
            let headX = try await store.head(of: x, limit: 8)
            try await store.commit(
                DeliveryCommit(
                    partition: x,
                    state: PartitionState(),
                    taken: headX.map(\.sequence),
                    retries: headX[4..<6].map { .init(sequence: $0.sequence, failures: 1, nextAttempt: at.adding(.seconds(5)), firstFailure: at, reason: busy) },
                    deadLetters: headX[6..<8].map { .init(sequence: $0.sequence, eventID: $0.event.id, attempts: 1, reason: gone, failedAt: at) }
                )
            )
            try await expectCountsMatch(store, storage, after: "a commit that delivers, retries and parks")
            // A retry rescheduled, another given up (finished and parked), a dead letter parked again.
            try await store.commit(
                DeliveryCommit(
                    partition: x,
                    state: PartitionState(),
                    finishedRetries: [headX[5].sequence],
                    retries: [.init(sequence: headX[4].sequence, failures: 2, nextAttempt: at.adding(.seconds(9)), firstFailure: at, reason: busy)],
                    deadLetters: [headX[5], headX[6]].map { .init(sequence: $0.sequence, eventID: $0.event.id, attempts: 2, reason: gone, failedAt: at) }
                )
            )
            try await expectCountsMatch(store, storage, after: "rescheduling, giving up and parking again")
            // y: everything dead; z: half delivered.
            let headY = try await store.head(of: y, limit: 100)
            try await store.commit(
                DeliveryCommit(
                    partition: y,
                    state: PartitionState(),
                    taken: headY.map(\.sequence),
                    deadLetters: headY.map { .init(sequence: $0.sequence, eventID: $0.event.id, attempts: 1, reason: gone, failedAt: at) }
                )
            )
            let headZ = try await store.head(of: z, limit: 3)
            try await store.commit(DeliveryCommit(partition: z, state: PartitionState(), taken: headZ.map(\.sequence)))
            try await expectCountsMatch(store, storage, after: "parking a whole head and delivering part of another")

            _ = try await store.replay(tenant: "acme", selection: .ids([headY[0].event.id, "missing"], destination: "y"), now: at)
            _ = try await store.replay(tenant: "acme", selection: .matching(DeadLetterQuery(destination: "x")), now: at)
            try await expectCountsMatch(store, storage, after: "replaying by id and by filter")
            #expect(try await store.retryNow(x, now: at) > 0)
            try await expectCountsMatch(store, storage, after: "retry now")

            // Erasing: one waiting at a head behind others, one retrying, one dead, one delivered;
            // then by a property value.
            let waiting = try #require(try await store.head(of: x, limit: 100).last)
            let retrying = try #require(try await store.dueRetries(in: x, now: at, limit: 1).first)
            let dead = try #require(try await store.deadLetters(tenant: "acme", destination: "y", limit: 1).first)
            for id in [waiting.event.id, retrying.event.id, dead.eventID, headX[0].event.id] {
                _ = try await store.erasePayload(tenant: "acme", id: id, now: at)
            }
            try await expectCountsMatch(store, storage, after: "erasing events in every state")
            let match = PropertyValueMatch(property: "user_id", value: "KD21akKyAZ")
            _ = try await store.erasePayloads(tenant: "globex", matching: match, dryRun: false, now: at, step: 1)
            try await expectCountsMatch(store, storage, after: "erasing by a property value")

            _ = try await store.replay(tenant: "acme", selection: .destination("y", since: nil), now: at)
            _ = try await deliverHead(store, x)
            _ = try await deliverHead(store, z)
            try await expectCountsMatch(store, storage, after: "replaying a destination and delivering heads")
            let kept = try await store.statistics()
            #expect(kept.partitions[y]?.backlog ?? 0 > 0, "the checks saw a backlog")
            #expect(kept.partitions.values.contains { $0.deadLetters > 0 }, "the checks saw dead letters")
            _ = try await store.prune(receivedBefore: Timestamp(millisecondsSince1970: 2000), step: 3)
            try await expectCountsMatch(store, storage, after: "pruning")
        },
        Case(name: "replaying more dead letters than one step moves exactly the set counted, naming an erased event once") { storage in
            // Three destinations, so one event's dead letters fall on both sides of a step's end.
            let partitions = ["x", "y", "z"].map { PartitionKey(tenant: "acme", destination: $0) }
            try #require(ReplaySelection.step % 3 != 0)
            let store = try await open(storage, leasing: partitions)
            let count = ReplaySelection.step * 2 / 3 + 10
            let events = (0..<count).map { event("e\($0)", receivedAt: 1000) }
            _ = try await store.append(events, routes: Array(repeating: ["x", "y", "z"], count: count))
            let parked = Timestamp(millisecondsSince1970: 1_700_000_000_000)
            let gone = FailureReason(code: "http_404", message: "gone", status: 404)
            for partition in partitions {
                let head = try await store.head(of: partition, limit: count)
                try await store.commit(
                    DeliveryCommit(
                        partition: partition,
                        state: PartitionState(),
                        taken: head.map(\.sequence),
                        deadLetters: head.map { .init(sequence: $0.sequence, eventID: $0.event.id, attempts: 1, reason: gone, failedAt: parked) }
                    )
                )
            }
            // Counted now; the event whose dead letters straddle the first step's end is erased.
            let query = DeadLetterQuery().counted(asOf: parked)
            #expect(try await store.countDeadLetters(tenant: "acme", query: query) == count * 3)
            let straddling = "e\(ReplaySelection.step / 3)"
            _ = try await store.erasePayload(tenant: "acme", id: straddling, now: parked)
            // Dead letters parked after the count are left out of "all N matching".
            let late = Timestamp(millisecondsSince1970: parked.millisecondsSince1970 + 60_000)
            _ = try await store.append([event("late", receivedAt: 2000)], routes: [["x"]])
            let lateHead = try await store.head(of: partitions[0], limit: 1)
            try await store.commit(
                DeliveryCommit(
                    partition: partitions[0],
                    state: PartitionState(),
                    taken: lateHead.map(\.sequence),
                    deadLetters: lateHead.map { .init(sequence: $0.sequence, eventID: "late", attempts: 1, reason: gone, failedAt: late) }
                )
            )
            let result = try await store.replay(tenant: "acme", selection: .matching(query), now: late)
            #expect(result.count == count * 3 - 3, "every dead letter counted, but the erased event's three")
            #expect(result.replayed == Dictionary(uniqueKeysWithValues: partitions.map { ($0, count - 1) }))
            #expect(result.erased == [straddling])
            let left = try await store.deadLetters(tenant: "acme", query: DeadLetterQuery(limit: 10))
            #expect(Set(left.map(\.eventID)) == ["late", straddling])
            #expect(try await store.dueRetries(in: partitions[1], now: late, limit: count).count == count - 1)
            try await expectCountsMatch(store, storage, after: "the replay")
            // A replay of a destination takes what is there when it starts, across steps.
            let rest = try await store.replay(tenant: "acme", selection: .destination("x", since: nil), now: late)
            #expect(rest.replayed == [partitions[0]: 1])
            #expect(rest.erased == [straddling])
        },
    ]
}
