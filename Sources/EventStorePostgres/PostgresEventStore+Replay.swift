import Logging
import PostgresNIO
import RouterCore

/// Replay: dead letters back into delivery, in bounded steps.
extension PostgresEventStore {
    public func replay(tenant: String, selection: ReplaySelection, now: Timestamp) async throws -> ReplayResult {
        var result = ReplayResult(replayed: [:], notFound: [])
        var named: Set<String> = []
        switch selection {
        case .ids(let ids, let destination):
            var start = ids.startIndex
            repeat {
                let slice = Array(ids[start..<min(start + ReplaySelection.step, ids.endIndex)])
                start += slice.count
                let started = ContinuousClock.now
                let step = try await self.bounded {
                    try await self.withMaintenanceLock { connection in
                        let rows = try await connection.query(
                            """
                            SELECT e.id, d.destination, d.seq FROM retention_router.events e
                            JOIN retention_router.dead_letters d ON d.tenant = e.tenant AND d.seq = e.seq
                            WHERE e.tenant = \(tenant) AND e.id = ANY(\(slice)::text[])
                              AND (\(destination)::text IS NULL OR d.destination = \(destination)::text)
                            """,
                            logger: self.logger
                        )
                        var found: Set<String> = []
                        var selected: [(destination: String, sequence: Int64)] = []
                        for try await (id, destination, sequence) in rows.decode((String, String, Int64).self) {
                            found.insert(id)
                            selected.append((destination, sequence))
                        }
                        var moved = try await self.move(selected, tenant: tenant, now: now, on: connection)
                        moved.notFound = slice.filter { !found.contains($0) }
                        return moved
                    }
                }
                result.add(step, named: &named)
                if start < ids.endIndex { await self.coordination.maintenancePace.rest(afterStepStartedAt: started) }
            } while start < ids.endIndex
        case .destination(let destination, let since):
            try await self.replay(tenant: tenant, filter: DeadLetterQuery(destination: destination, since: since), now: now, into: &result, named: &named)
        case .matching(let query):
            try await self.replay(tenant: tenant, filter: query, now: now, into: &result, named: &named)
        }
        return result
    }

    /// Replays the dead letters `filter` matches, `ReplaySelection.step` at a time in (sequence,
    /// destination) order, each step its own transaction under the maintenance lock that looks
    /// at that many dead letters and moves those the filter takes (the condition
    /// `countDeadLetters` counts with), resting between steps (`MaintenancePace`).
    ///
    /// The set is fixed when the replay starts, as one statement would see it: no dead letter
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
        var position = DeadLetterCursor(sequence: 0, destination: "")
        var bound: Int64?
        let since = query.since?.millisecondsSince1970
        let until = query.until?.millisecondsSince1970
        let reason = query.reason
        let step = ReplaySelection.step
        while true {
            let (from, known) = (position, bound)
            let started = ContinuousClock.now
            let (moved, next, newest) = try await self.bounded {
                try await self.withMaintenanceLock { connection in
                    var newest: Int64 = 0
                    if let known {
                        newest = known
                    } else {
                        let top = try await connection.query(
                            "SELECT coalesce(max(seq), 0)::int8 FROM retention_router.dead_letters WHERE tenant = \(tenant)",
                            logger: self.logger
                        )
                        for try await value in top.decode(Int64.self) { newest = value }
                    }
                    // One destination walks its key; all of them walk the tenant's sequence index.
                    let rows: PostgresRowSequence
                    if let destination = query.destination {
                        rows = try await connection.query(
                            """
                            SELECT destination, seq, (\(since)::int8 IS NULL OR failed_at >= \(since)::int8)
                                AND (\(until)::int8 IS NULL OR failed_at < \(until)::int8) AND (\(reason)::text IS NULL OR code = \(reason)::text)
                            FROM retention_router.dead_letters
                            WHERE tenant = \(tenant) AND destination = \(destination) AND seq > \(from.sequence) AND seq <= \(newest)
                            ORDER BY seq LIMIT \(step)
                            """,
                            logger: self.logger
                        )
                    } else {
                        rows = try await connection.query(
                            """
                            SELECT destination, seq, (\(since)::int8 IS NULL OR failed_at >= \(since)::int8)
                                AND (\(until)::int8 IS NULL OR failed_at < \(until)::int8) AND (\(reason)::text IS NULL OR code = \(reason)::text)
                            FROM retention_router.dead_letters
                            WHERE tenant = \(tenant) AND seq >= \(from.sequence) AND (seq > \(from.sequence) OR destination > \(from.destination))
                              AND seq <= \(newest)
                            ORDER BY seq, destination LIMIT \(step)
                            """,
                            logger: self.logger
                        )
                    }
                    var examined = 0
                    var last: DeadLetterCursor?
                    var selected: [(destination: String, sequence: Int64)] = []
                    for try await (destination, sequence, matches) in rows.decode((String, Int64, Bool).self) {
                        examined += 1
                        last = DeadLetterCursor(sequence: sequence, destination: destination)
                        if matches { selected.append((destination, sequence)) }
                    }
                    let moved = try await self.move(selected, tenant: tenant, now: now, on: connection)
                    return (moved, examined < step ? nil : last, newest)
                }
            }
            bound = newest
            result.add(moved, named: &named)
            guard let next else { return }
            position = next
            await self.coordination.maintenancePace.rest(afterStepStartedAt: started)
        }
    }

    /// Moves the given dead letters into the retry set, due `now`, in one statement of the
    /// caller's transaction, except those of erased events: nothing is delivered with less than
    /// was accepted, so their dead letters stay, and the events are named.
    private func move(
        _ selected: [(destination: String, sequence: Int64)],
        tenant: String,
        now: Timestamp,
        on connection: PostgresConnection
    ) async throws -> ReplayResult {
        guard !selected.isEmpty else { return ReplayResult(replayed: [:], notFound: []) }
        let rows = try await connection.query(
            """
            WITH selected AS (
                SELECT s.destination, s.seq, e.id, e.erased_at IS NOT NULL AS erased
                FROM unnest(\(selected.map(\.destination))::text[], \(selected.map(\.sequence))::int8[]) AS s(destination, seq)
                JOIN retention_router.events e ON e.seq = s.seq
            ), moved AS (
                DELETE FROM retention_router.dead_letters d USING selected s
                WHERE d.tenant = \(tenant) AND d.destination = s.destination AND d.seq = s.seq AND NOT s.erased
                RETURNING d.destination, d.seq, d.event_id
            ), scheduled AS (
                INSERT INTO retention_router.retries (tenant, destination, seq, failures, next_attempt_at, first_failure_at, code, message, status)
                SELECT \(tenant), destination, seq, 0, \(now.millisecondsSince1970), \(now.millisecondsSince1970),
                       'replayed', 'replayed from the dead letters by an operator', NULL
                FROM moved
                ON CONFLICT (tenant, destination, seq) DO UPDATE SET failures = 0, next_attempt_at = excluded.next_attempt_at,
                    first_failure_at = excluded.first_failure_at, code = excluded.code, message = excluded.message, status = NULL
            )
            SELECT destination, event_id FROM moved
            UNION ALL SELECT DISTINCT NULL::text, id FROM selected WHERE erased
            """,
            logger: self.logger
        )
        var replayed: [PartitionKey: Int] = [:]
        var erased: [String] = []
        for try await (destination, eventID) in rows.decode((String?, String).self) {
            guard let destination else {
                erased.append(eventID)
                continue
            }
            replayed[PartitionKey(tenant: tenant, destination: destination), default: 0] += 1
        }
        return ReplayResult(replayed: replayed, notFound: [], erased: erased)
    }
}
