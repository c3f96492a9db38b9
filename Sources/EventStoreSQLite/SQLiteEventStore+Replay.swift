import RouterCore

/// Replay: dead letters back into delivery, in bounded steps.
extension SQLiteEventStore {
    public func replay(tenant: String, selection: ReplaySelection, now: Timestamp) async throws -> ReplayResult {
        var result = ReplayResult(replayed: [:], notFound: [])
        var named: Set<String> = []
        switch selection {
        case .ids(let ids, let destination):
            var start = ids.startIndex
            repeat {
                let slice = Array(ids[start..<min(start + ReplaySelection.step, ids.endIndex)])
                start += slice.count
                let step = try await self.writer.write { connection in
                    var found: [(destination: String, sequence: Int64)] = []
                    var notFound: [String] = []
                    let lookup = try connection.statement(
                        """
                        SELECT d.destination, d.seq FROM events e JOIN dead_letters d ON d.tenant = e.tenant AND d.seq = e.seq
                        WHERE e.tenant = ?1 AND e.id = ?2 AND (?3 IS NULL OR d.destination = ?3)
                        """
                    )
                    for id in slice {
                        lookup.reset()
                        lookup.bind(1, tenant)
                        lookup.bind(2, id)
                        lookup.bind(3, destination)
                        var any = false
                        while try lookup.step() {
                            found.append((lookup.string(0), lookup.int64(1)))
                            any = true
                        }
                        if !any { notFound.append(id) }
                    }
                    var moved = try Self.move(found, tenant: tenant, now: now, on: connection)
                    moved.notFound = notFound
                    return moved
                }
                result.add(step, named: &named)
            } while start < ids.endIndex
        case .destination(let destination, let since):
            try await self.replay(tenant: tenant, filter: DeadLetterQuery(destination: destination, since: since), now: now, into: &result, named: &named)
        case .matching(let query):
            try await self.replay(tenant: tenant, filter: query, now: now, into: &result, named: &named)
        }
        return result
    }

    /// Replays the dead letters `filter` matches, `ReplaySelection.step` at a time in (sequence,
    /// destination) order, each step its own transaction that looks at that many dead letters
    /// and moves those the filter takes (the condition `countDeadLetters` counts with).
    ///
    /// The set is fixed when the replay starts, as one transaction would see it: no dead letter
    /// above the newest sequence dead then is looked at, and a replayed event that fails again
    /// is parked behind the steps' position, so it is not replayed twice. With `until` set (as
    /// "replay all N matching" sets it), a dead letter parked after it is left out too.
    private func replay(
        tenant: String,
        filter query: DeadLetterQuery,
        now: Timestamp,
        into result: inout ReplayResult,
        named: inout Set<String>
    ) async throws {
        let filter = DeadLetterFilter(tenant: tenant, query: query)
        var position = DeadLetterCursor(sequence: 0, destination: "")
        var bound: Int64?
        while true {
            let (from, known) = (position, bound)
            let (step, next, newest) = try await self.writer.write { connection in
                let newest: Int64
                if let known {
                    newest = known
                } else {
                    let top = try connection.statement("SELECT coalesce(max(seq), 0) FROM dead_letters WHERE tenant = ?1")
                    top.bind(1, tenant)
                    newest = try top.step() ? top.int64(0) : 0
                }
                // One destination walks its key; all of them walk the tenant's sequence index.
                let window =
                    query.destination == nil
                    ? "tenant = ?1 AND seq >= ?10 AND (seq > ?10 OR destination > ?11) AND seq <= ?12 ORDER BY seq, destination"
                    : "tenant = ?1 AND destination = ?2 AND seq > ?10 AND seq <= ?12 ORDER BY seq"
                let examine = try connection.statement("SELECT destination, seq, \(filter.condition) FROM dead_letters WHERE \(window) LIMIT ?13")
                filter.bind(examine)
                examine.bind(10, from.sequence)
                examine.bind(11, from.destination)
                examine.bind(12, newest)
                examine.bind(13, Int64(ReplaySelection.step))
                var examined = 0
                var last: DeadLetterCursor?
                var selected: [(destination: String, sequence: Int64)] = []
                while try examine.step() {
                    examined += 1
                    last = DeadLetterCursor(sequence: examine.int64(1), destination: examine.string(0))
                    if examine.int64(2) != 0 { selected.append((examine.string(0), examine.int64(1))) }
                }
                examine.reset()
                let moved = try Self.move(selected, tenant: tenant, now: now, on: connection)
                return (moved, examined < ReplaySelection.step ? nil : last, newest)
            }
            bound = newest
            result.add(step, named: &named)
            guard let next else { return }
            position = next
        }
    }

    /// Moves the given dead letters into the retry set, due `now` (in the caller's transaction),
    /// except those of erased events: nothing is delivered with less than was accepted, so their
    /// dead letters stay, and the events are named.
    private static func move(
        _ selected: [(destination: String, sequence: Int64)],
        tenant: String,
        now: Timestamp,
        on connection: SQLiteConnection
    ) throws -> ReplayResult {
        let erasedQuery = try connection.statement("SELECT id FROM events WHERE seq = ?1 AND erased_at IS NOT NULL")
        var isErased: [Int64: Bool] = [:]
        var erased: [String] = []
        var targets: [(destination: String, sequence: Int64)] = []
        for target in selected {
            if isErased[target.sequence] == nil {
                erasedQuery.reset()
                erasedQuery.bind(1, target.sequence)
                let found = try erasedQuery.step()
                if found { erased.append(erasedQuery.string(0)) }
                isErased[target.sequence] = found
            }
            if isErased[target.sequence] == false { targets.append(target) }
        }
        let schedule = try connection.statement(
            """
            INSERT INTO retries (tenant, destination, seq, failures, next_attempt_at, first_failure_at, code, message, status)
            VALUES (?1, ?2, ?3, 0, ?4, ?4, 'replayed', 'replayed from the dead letters by an operator', NULL)
            ON CONFLICT (tenant, destination, seq) DO UPDATE SET failures = 0, next_attempt_at = excluded.next_attempt_at,
                first_failure_at = excluded.first_failure_at, code = excluded.code, message = excluded.message, status = NULL
            """
        )
        let remove = try connection.statement("DELETE FROM dead_letters WHERE tenant = ?1 AND destination = ?2 AND seq = ?3")
        var replayed: [PartitionKey: Int] = [:]
        for target in targets {
            schedule.reset()
            schedule.bind(1, tenant)
            schedule.bind(2, target.destination)
            schedule.bind(3, target.sequence)
            schedule.bind(4, now.millisecondsSince1970)
            try schedule.run()
            remove.reset()
            remove.bind(1, tenant)
            remove.bind(2, target.destination)
            remove.bind(3, target.sequence)
            try remove.run()
            replayed[PartitionKey(tenant: tenant, destination: target.destination), default: 0] += 1
        }
        return ReplayResult(replayed: replayed, notFound: [], erased: erased)
    }
}
