import Logging
import PostgresNIO
import RouterCore

/// The operator's queries: event status, dead letters, replay, statistics and pruning.
extension PostgresEventStore {
    public func deadLetters(tenant: String, query: DeadLetterQuery) async throws -> [DeadLetterRecord] {
        try await self.bounded {
            let rows = try await self.client.query(
                """
                SELECT destination, seq, event_id, attempts, code, message, status, failed_at FROM retention_router.dead_letters
                WHERE tenant = \(tenant) AND (\(query.destination)::text IS NULL OR destination = \(query.destination)::text)
                  AND (\(query.since?.millisecondsSince1970)::int8 IS NULL OR failed_at >= \(query.since?.millisecondsSince1970)::int8)
                  AND (\(query.until?.millisecondsSince1970)::int8 IS NULL OR failed_at < \(query.until?.millisecondsSince1970)::int8)
                  AND (\(query.after?.sequence)::int8 IS NULL OR seq < \(query.after?.sequence)::int8
                       OR (seq = \(query.after?.sequence)::int8 AND destination > \(query.after?.destination)::text))
                  AND (\(query.reason)::text IS NULL OR code = \(query.reason)::text)
                ORDER BY seq DESC, destination LIMIT \(max(1, min(query.limit, 1000)))
                """,
                logger: self.logger
            )
            var records: [DeadLetterRecord] = []
            for try await (destination, sequence, eventID, attempts, code, message, status, failedAt) in rows.decode(
                (String, Int64, String, Int, String, String, Int?, Int64).self
            ) {
                records.append(
                    DeadLetterRecord(
                        partition: PartitionKey(tenant: tenant, destination: destination),
                        sequence: sequence,
                        eventID: eventID,
                        attempts: attempts,
                        reason: FailureReason(code: code, message: message, status: status),
                        failedAt: Timestamp(millisecondsSince1970: failedAt)
                    )
                )
            }
            return records
        }
    }

    public func status(tenant: String, id: String) async throws -> EventStatus? {
        try await self.bounded {
            let rows = try await self.client.query(
                """
                SELECT e.seq, e.id, e.type, e.occurred_at, e.received_at, e.properties, 0, NULL::int8
                FROM retention_router.events e WHERE e.tenant = \(tenant) AND e.id = \(id)
                """,
                logger: self.logger
            )
            guard let stored = try await Self.storedEvents(rows, tenant: tenant, maxBytes: .max).first else { return nil }
            let sequence = stored.sequence
            // An erased row's tombstone reads as no properties; `erasedAt` says why.
            var erasedAt: Timestamp?
            let erasure = try await self.client.query("SELECT erased_at FROM retention_router.events WHERE seq = \(sequence)", logger: self.logger)
            for try await at in erasure.decode(Int64?.self) { erasedAt = at.map(Timestamp.init(millisecondsSince1970:)) }
            let perDestination = try await self.client.query(
                """
                SELECT d,
                       (SELECT count(*) FROM retention_router.pending p WHERE p.tenant = e.tenant AND p.destination = d AND p.seq = e.seq) > 0,
                       (SELECT r.next_attempt_at FROM retention_router.retries r WHERE r.tenant = e.tenant AND r.destination = d AND r.seq = e.seq),
                       (SELECT x.paused_until FROM retention_router.partitions x WHERE x.tenant = e.tenant AND x.destination = d),
                       (SELECT x.code FROM retention_router.dead_letters x WHERE x.tenant = e.tenant AND x.destination = d AND x.seq = e.seq),
                       (SELECT x.message FROM retention_router.dead_letters x WHERE x.tenant = e.tenant AND x.destination = d AND x.seq = e.seq),
                       (SELECT x.status FROM retention_router.dead_letters x WHERE x.tenant = e.tenant AND x.destination = d AND x.seq = e.seq)
                FROM retention_router.events e, unnest(e.destinations) AS d
                WHERE e.seq = \(sequence)
                ORDER BY d
                """,
                logger: self.logger
            )
            var views: [(id: String, pending: Bool, retry: Int64?, paused: Int64?, dead: FailureReason?)] = []
            for try await (destination, pending, retry, paused, code, message, status) in perDestination.decode(
                (String, Bool, Int64?, Int64?, String?, String?, Int?).self
            ) {
                let dead = code.map { FailureReason(code: $0, message: message ?? "", status: status) }
                views.append((destination, pending, retry, paused, dead))
            }
            let attemptRows = try await self.client.query(
                """
                SELECT destination, attempt, at, outcome, status, code, message, latency_ms FROM retention_router.attempts
                WHERE tenant = \(tenant) AND seq = \(sequence) ORDER BY destination, at, attempt
                """,
                logger: self.logger
            )
            var attempts: [String: [AttemptRecord]] = [:]
            for try await (destination, attempt, at, outcome, status, code, message, latency) in attemptRows.decode(
                (String, Int, Int64, String, Int?, String?, String?, Int64).self
            ) {
                attempts[destination, default: []].append(
                    AttemptRecord(
                        sequence: sequence,
                        attempt: attempt,
                        at: Timestamp(millisecondsSince1970: at),
                        outcome: AttemptRecord.Outcome(rawValue: outcome) ?? .retry,
                        reason: code.map { FailureReason(code: $0, message: message ?? "", status: status) },
                        latencyMilliseconds: latency
                    )
                )
            }
            let destinations = views.map { view -> EventStatus.Destination in
                let record = attempts[view.id] ?? []
                if let dead = view.dead {
                    return .init(id: view.id, state: .dead, attempts: record, deadReason: dead)
                }
                if let retry = view.retry {
                    return .init(id: view.id, state: .retrying(next: Timestamp(millisecondsSince1970: retry)), attempts: record, deadReason: nil)
                }
                if view.pending {
                    let state: EventStatus.State = record.isEmpty ? .pending : .retrying(next: view.paused.map(Timestamp.init(millisecondsSince1970:)))
                    return .init(id: view.id, state: state, attempts: record, deadReason: nil)
                }
                return .init(id: view.id, state: .delivered, attempts: record, deadReason: nil)
            }
            return EventStatus(event: stored.event, sequence: sequence, destinations: destinations, erasedAt: erasedAt)
        }
    }

    public func statistics() async throws -> StoreStatistics {
        try await self.bounded {
            // The counts the triggers keep (schema version 4): the changes appended since the
            // last call are folded into one row per partition first, so this reads one row per
            // partition plus the changes of the last few seconds, however many events wait.
            // Instances folding at once never count a change twice: a change row is deleted by
            // one of them, and the other skips it.
            try await self.client.query(
                """
                WITH folded AS (
                    DELETE FROM retention_router.partition_count_changes RETURNING tenant, destination, backlog, dead_letters
                )
                INSERT INTO retention_router.partition_counts (tenant, destination, backlog, dead_letters)
                SELECT tenant, destination, sum(backlog), sum(dead_letters) FROM folded
                GROUP BY tenant, destination ORDER BY tenant, destination
                ON CONFLICT (tenant, destination) DO UPDATE SET backlog = partition_counts.backlog + excluded.backlog,
                    dead_letters = partition_counts.dead_letters + excluded.dead_letters
                """,
                logger: self.logger
            )
            // One statement, one snapshot: a fold by another instance moves changes into the
            // counts atomically, so each is read once.
            let rows = try await self.client.query(
                """
                SELECT tenant, destination, sum(backlog)::int8, sum(dead_letters)::int8 FROM (
                    SELECT tenant, destination, backlog, dead_letters FROM retention_router.partition_counts
                    UNION ALL SELECT tenant, destination, backlog, dead_letters FROM retention_router.partition_count_changes
                    UNION ALL SELECT tenant, destination, 0, 0 FROM retention_router.partitions
                ) counts GROUP BY 1, 2
                """,
                logger: self.logger
            )
            var partitions: [PartitionKey: StoreStatistics.Partition] = [:]
            for try await (tenant, destination, backlog, dead) in rows.decode((String, String, Int64, Int64).self) {
                partitions[PartitionKey(tenant: tenant, destination: destination)] = .init(backlog: Int(backlog), deadLetters: Int(dead))
            }
            let size = try await self.client.query(
                """
                SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::int8 FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'retention_router' AND c.relkind = 'r'
                """,
                logger: self.logger
            )
            var bytes: Int64 = 0
            for try await total in size.decode(Int64.self) { bytes = total }
            return StoreStatistics(partitions: partitions, bytes: bytes)
        }
    }

    public func prune(receivedBefore cutoff: Timestamp, after: Int64, limit: Int) async throws -> PruneProgress {
        try await self.bounded {
            // Once per scan (each starts after 0): per-minute totals older than two days go too.
            if after == 0 {
                let oldest = Timestamp.now().adding(.zero - AttemptRollup.retention).millisecondsSince1970
                try await self.client.query("DELETE FROM retention_router.delivery_minutes WHERE minute_start_ms < \(oldest)", logger: self.logger)
            }
            // Sequences are an identity column and never reused, so the newest rows may go too.
            return try await self.withMaintenanceLock { connection in
            let rows = try await connection.query(
                """
                WITH scanned AS (
                    -- `limit` events by sequence, up to the first received at or after the cutoff:
                    -- events are stored about in the order they are received, so the rest are
                    -- younger (one stored out of clock order waits for a later pass). Filtering by
                    -- the time alone would read every younger event to find none.
                    SELECT seq, tenant, destinations,
                           bool_and(received_at < \(cutoff.millisecondsSince1970)) OVER (ORDER BY seq) AS before_cutoff
                    FROM (SELECT seq, tenant, destinations, received_at FROM retention_router.events
                          WHERE seq > \(after) ORDER BY seq LIMIT \(limit)) e
                ), candidates AS (
                    SELECT seq, tenant, destinations FROM scanned WHERE before_cutoff
                ), doomed AS (
                    SELECT c.seq, c.tenant, c.destinations FROM candidates c
                    WHERE NOT EXISTS (SELECT 1 FROM retention_router.pending p
                                      WHERE p.tenant = c.tenant AND p.destination = ANY(c.destinations) AND p.seq = c.seq)
                      AND NOT EXISTS (SELECT 1 FROM retention_router.retries r
                                      WHERE r.tenant = c.tenant AND r.destination = ANY(c.destinations) AND r.seq = c.seq)
                ), attempts AS (
                    DELETE FROM retention_router.attempts a USING doomed d
                    WHERE a.tenant = d.tenant AND a.destination = ANY(d.destinations) AND a.seq = d.seq
                ), dead AS (
                    DELETE FROM retention_router.dead_letters x USING doomed d
                    WHERE x.tenant = d.tenant AND x.destination = ANY(d.destinations) AND x.seq = d.seq
                ), deleted AS (
                    DELETE FROM retention_router.events e USING doomed d WHERE e.seq = d.seq RETURNING 1
                )
                SELECT (SELECT count(*) FROM candidates)::int8, (SELECT max(seq) FROM candidates), (SELECT count(*) FROM deleted)::int8
                """,
                logger: self.logger
            )
            for try await (examined, last, pruned) in rows.decode((Int64, Int64?, Int64).self) {
                return PruneProgress(pruned: Int(pruned), next: examined < limit ? nil : last)
            }
            return PruneProgress(pruned: 0, next: nil)
            }
        }
    }

    /// Runs `body` in a transaction holding the maintenance advisory lock, so that pruning and
    /// replay never interleave.
    func withMaintenanceLock<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let logger = self.logger
        return try await self.client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.maintenanceLock))", logger: logger)
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}
