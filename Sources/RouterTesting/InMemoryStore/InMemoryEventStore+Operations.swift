import RouterCore
import Synchronization

/// The operator's queries: dead letters, replay, status, statistics, health and pruning.
extension InMemoryEventStore {
    public func deadLetters(tenant: String, query: DeadLetterQuery) async throws -> [DeadLetterRecord] {
        self.database.state.withLock { state in
            let newestFirst = state.deadLetters(tenant: tenant, matching: query).sorted {
                ($0.sequence, $1.partition.destination) > ($1.sequence, $0.partition.destination)
            }
            let after = newestFirst.filter { record in
                guard let cursor = query.after else { return true }
                return record.sequence < cursor.sequence || (record.sequence == cursor.sequence && record.partition.destination > cursor.destination)
            }
            return Array(after.prefix(max(1, min(query.limit, 1000))))
        }
    }

    public func countDeadLetters(tenant: String, query: DeadLetterQuery) async throws -> Int {
        self.database.state.withLock { $0.deadLetters(tenant: tenant, matching: query).count }
    }

    public func replay(tenant: String, selection: ReplaySelection, now: Timestamp) async throws -> ReplayResult {
        self.database.state.withLock { state in
            var selected: [(destination: String, sequence: Int64)] = []
            var notFound: [String] = []
            switch selection {
            case .ids(let ids, let only):
                for id in ids {
                    let found = state.sequences[.init(tenant: tenant, id: id)].flatMap { sequence in
                        state.events[sequence].map { event in
                            event.destinations.sorted().filter { destination in
                                (only == nil || destination == only)
                                    && state.partitions[PartitionKey(tenant: tenant, destination: destination)]?.deadLetters[sequence] != nil
                            }.map { (destination: $0, sequence: sequence) }
                        }
                    } ?? []
                    if found.isEmpty { notFound.append(id) }
                    selected += found
                }
            case .destination(let destination, let since):
                selected = state.deadLetters(tenant: tenant, matching: DeadLetterQuery(destination: destination, since: since)).map { ($0.partition.destination, $0.sequence) }
            case .matching(let query):
                selected = state.deadLetters(tenant: tenant, matching: query).map { ($0.partition.destination, $0.sequence) }
            }
            var replayed: [PartitionKey: Int] = [:]
            var erased: [String] = []
            for target in selected {
                let key = PartitionKey(tenant: tenant, destination: target.destination)
                // An erased event is never sent again: its dead letters stay, and it is named.
                guard state.isLive(target.sequence) else {
                    if let id = state.events[target.sequence]?.id, !erased.contains(id) { erased.append(id) }
                    continue
                }
                guard state.partitions[key]?.deadLetters.removeValue(forKey: target.sequence) != nil else { continue }
                state.partitions[key]?.retries[target.sequence] = DeliveryCommit.Retry(
                    sequence: target.sequence,
                    failures: 0,
                    nextAttempt: now,
                    firstFailure: now,
                    reason: FailureReason(code: "replayed", message: "replayed from the dead letters by an operator")
                )
                replayed[key, default: 0] += 1
            }
            return ReplayResult(replayed: replayed, notFound: notFound, erased: erased)
        }
    }

    public func status(tenant: String, id: String) async throws -> EventStatus? {
        self.database.state.withLock { state in
            guard let sequence = state.sequences[.init(tenant: tenant, id: id)], let event = state.events[sequence],
                let stored = state.stored(sequence)
            else { return nil }
            let destinations = event.destinations.sorted().map { destination -> EventStatus.Destination in
                let record = state.partitions[PartitionKey(tenant: tenant, destination: destination)] ?? .init()
                let attempts = (record.attempts[sequence] ?? []).sorted { ($0.at, $0.attempt) < ($1.at, $1.attempt) }
                if let dead = record.deadLetters[sequence] {
                    return .init(id: destination, state: .dead, attempts: attempts, deadReason: dead.reason)
                }
                if let retry = record.retries[sequence] {
                    return .init(id: destination, state: .retrying(next: retry.nextAttempt), attempts: attempts, deadReason: nil)
                }
                if record.pending.contains(sequence) {
                    let waiting: EventStatus.State = attempts.isEmpty ? .pending : .retrying(next: record.state.pausedUntil)
                    return .init(id: destination, state: waiting, attempts: attempts, deadReason: nil)
                }
                return .init(id: destination, state: .delivered, attempts: attempts, deadReason: nil)
            }
            return EventStatus(event: stored.event, sequence: sequence, destinations: destinations, erasedAt: event.erasedAt)
        }
    }

    public func statistics() async throws -> StoreStatistics {
        self.database.state.withLock { state in
            StoreStatistics(
                partitions: state.partitions.mapValues { .init(backlog: $0.pending.count + $0.retries.count, deadLetters: $0.deadLetters.count) },
                bytes: state.events.values.reduce(0) { $0 + Int64($1.properties.count + 64) }
            )
        }
    }

    public func health(since: Timestamp) async throws -> [PartitionHealth] {
        let cap = PartitionHealth.countCap
        let firstMinute = AttemptRollup.minuteStart(since)
        return self.database.state.withLock { state in
            state.partitions.sorted { ($0.key.tenant, $0.key.destination) < ($1.key.tenant, $1.key.destination) }.map { key, record in
                let waiting = [record.pending.min(), record.retries.keys.min()].compactMap { $0.flatMap { state.events[$0]?.receivedAt } }
                return PartitionHealth(
                    partition: key,
                    state: record.state,
                    backlog: min(record.pending.count, cap),
                    retrying: min(record.retries.count, cap),
                    deadLetters: min(record.deadLetters.count, cap),
                    oldestWaiting: waiting.min(),
                    lastFailure: record.lastFailure,
                    minutes: record.minutes.values.filter { $0.start >= firstMinute }.sorted { $0.start < $1.start }.map { minute in
                        PartitionHealth.Minute(
                            start: Timestamp(millisecondsSince1970: minute.start),
                            delivered: Int(minute.delivered),
                            failed: Int(minute.failed),
                            latency: minute.latency.map { Int($0) }
                        )
                    }
                )
            }
        }
    }

    public func retryNow(_ partition: PartitionKey, now: Timestamp) async throws -> Int {
        self.database.state.withLock { state in
            guard var record = state.partitions[partition] else { return 0 }
            for sequence in record.retries.keys { record.retries[sequence]?.nextAttempt = now }
            record.state.pausedUntil = nil
            state.partitions[partition] = record
            return record.retries.count
        }
    }

    public func prune(receivedBefore cutoff: Timestamp, after: Int64, limit: Int) async throws -> PruneProgress {
        await self.beforePruneStep?()
        let oldestMinute = AttemptRollup.minuteStart(Timestamp.now().adding(.zero - AttemptRollup.retention))
        return self.database.state.withLock { state in
            if after == 0 {
                for (key, record) in state.partitions {
                    state.partitions[key]?.minutes = record.minutes.filter { $0.key >= oldestMinute }
                }
            }
            let start = state.order.partitioningIndex { $0 > after }
            var examined = 0
            var last: Int64?
            var reachedCutoff = false
            var doomed: Set<Int64> = []
            for sequence in state.order[start...].prefix(max(1, limit)) {
                guard let event = state.events[sequence] else { continue }
                // Events are stored in the order they are received: the rest are younger.
                guard event.receivedAt < cutoff else {
                    reachedCutoff = true
                    break
                }
                examined += 1
                last = sequence
                let keys = event.destinations.map { PartitionKey(tenant: event.tenant, destination: $0) }
                let needed = keys.contains { key in
                    state.partitions[key].map { $0.pending.contains(sequence) || $0.retries[sequence] != nil } ?? false
                }
                guard !needed else { continue }
                for key in keys {
                    state.partitions[key]?.attempts[sequence] = nil
                    state.partitions[key]?.deadLetters[sequence] = nil
                }
                state.sequences[.init(tenant: event.tenant, id: event.id)] = nil
                state.events[sequence] = nil
                doomed.insert(sequence)
            }
            state.order.removeAll { doomed.contains($0) }
            return PruneProgress(pruned: doomed.count, next: reachedCutoff || examined < max(1, limit) ? nil : last)
        }
    }
}

extension Array {
    /// The index of the first element `belongs` holds for, in an array where it holds for a
    /// suffix (binary search); `endIndex` when it holds for none.
    fileprivate func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
        var low = self.startIndex
        var high = self.endIndex
        while low < high {
            let middle = (low + high) / 2
            if belongs(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
