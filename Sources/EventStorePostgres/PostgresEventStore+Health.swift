import Logging
import PostgresNIO
import RouterCore

/// Partition health, dead-letter counts and "retry now" for the operator console.
extension PostgresEventStore {
    public func health(since: Timestamp) async throws -> [PartitionHealth] {
        try await self.bounded {
            let cap = PartitionHealth.countCap
            // Every partition a commit or a lease has named: one waiting for its first delivery
            // shows too. Counts stop at the cap; the oldest waiting events are found by key.
            let rows = try await self.client.query(
                """
                WITH keys AS (
                    SELECT tenant, destination FROM retention_router.partitions
                    UNION SELECT tenant, destination FROM retention_router.leases
                )
                SELECT k.tenant, k.destination, coalesce(p.head_failures, 0), p.failing_since, p.paused_until,
                       p.last_failure_at, p.last_failure_code, p.last_failure_message, p.last_failure_status,
                       (SELECT count(*) FROM (SELECT 1 FROM retention_router.pending x
                                              WHERE x.tenant = k.tenant AND x.destination = k.destination LIMIT \(cap)) c)::int8,
                       (SELECT count(*) FROM (SELECT 1 FROM retention_router.retries x
                                              WHERE x.tenant = k.tenant AND x.destination = k.destination LIMIT \(cap)) c)::int8,
                       (SELECT count(*) FROM (SELECT 1 FROM retention_router.dead_letters x
                                              WHERE x.tenant = k.tenant AND x.destination = k.destination LIMIT \(cap)) c)::int8,
                       (SELECT e.received_at FROM retention_router.events e WHERE e.seq = (
                            SELECT min(x.seq) FROM retention_router.pending x WHERE x.tenant = k.tenant AND x.destination = k.destination)),
                       (SELECT e.received_at FROM retention_router.events e WHERE e.seq = (
                            SELECT min(x.seq) FROM retention_router.retries x WHERE x.tenant = k.tenant AND x.destination = k.destination))
                FROM keys k LEFT JOIN retention_router.partitions p ON p.tenant = k.tenant AND p.destination = k.destination
                ORDER BY k.tenant, k.destination
                """,
                logger: self.logger
            )
            var partitions: [PartitionHealth] = []
            for try await (tenant, destination, failures, failingSince, pausedUntil, failedAt, code, message, status, backlog, retrying, dead, oldestHead, oldestRetry)
                in rows.decode((String, String, Int, Int64?, Int64?, Int64?, String?, String?, Int?, Int64, Int64, Int64, Int64?, Int64?).self)
            {
                partitions.append(
                    PartitionHealth(
                        partition: PartitionKey(tenant: tenant, destination: destination),
                        state: PartitionState(
                            headFailures: failures,
                            failingSince: failingSince.map(Timestamp.init(millisecondsSince1970:)),
                            pausedUntil: pausedUntil.map(Timestamp.init(millisecondsSince1970:))
                        ),
                        backlog: Int(backlog),
                        retrying: Int(retrying),
                        deadLetters: Int(dead),
                        // Sequences follow acceptance, so the first at the head and the first retry
                        // are the oldest waiting (to within the moments ingest requests overlap).
                        oldestWaiting: [oldestHead, oldestRetry].compactMap { $0 }.min().map(Timestamp.init(millisecondsSince1970:)),
                        lastFailure: failedAt.map { at in
                            AttemptFailure(
                                at: Timestamp(millisecondsSince1970: at),
                                reason: FailureReason(code: code ?? "unknown", message: message ?? "", status: status)
                            )
                        },
                        minutes: []
                    )
                )
            }
            let minutes = try await self.minutes(since: since)
            return partitions.map { health in
                var health = health
                health.minutes = minutes[health.partition] ?? []
                return health
            }
        }
    }

    /// The per-minute totals of every partition since the minute `since` falls in, oldest first.
    private func minutes(since: Timestamp) async throws -> [PartitionKey: [PartitionHealth.Minute]] {
        let rows = try await self.client.query(
            """
            SELECT tenant, destination, minute_start_ms, delivered, failed,
                   ARRAY[\(unescaped: PostgresSchema.latencyColumns.joined(separator: ", "))]::int8[]
            FROM retention_router.delivery_minutes
            WHERE minute_start_ms >= \(AttemptRollup.minuteStart(since))
            ORDER BY tenant, destination, minute_start_ms
            """,
            logger: self.logger
        )
        var minutes: [PartitionKey: [PartitionHealth.Minute]] = [:]
        for try await (tenant, destination, start, delivered, failed, latency) in rows.decode((String, String, Int64, Int64, Int64, [Int64]).self) {
            minutes[PartitionKey(tenant: tenant, destination: destination), default: []].append(
                PartitionHealth.Minute(
                    start: Timestamp(millisecondsSince1970: start),
                    delivered: Int(delivered),
                    failed: Int(failed),
                    latency: latency.map { Int($0) }
                )
            )
        }
        return minutes
    }

    public func countDeadLetters(tenant: String, query: DeadLetterQuery) async throws -> Int {
        try await self.bounded {
            // The condition `replay(.matching)` moves with; each statement is planned with its
            // values, so the absent filters drop out and the index that fits is used.
            let rows = try await self.client.query(
                """
                SELECT count(*)::int8 FROM retention_router.dead_letters
                WHERE tenant = \(tenant) AND (\(query.destination)::text IS NULL OR destination = \(query.destination)::text)
                  AND (\(query.since?.millisecondsSince1970)::int8 IS NULL OR failed_at >= \(query.since?.millisecondsSince1970)::int8)
                  AND (\(query.until?.millisecondsSince1970)::int8 IS NULL OR failed_at < \(query.until?.millisecondsSince1970)::int8)
                  AND (\(query.reason)::text IS NULL OR code = \(query.reason)::text)
                """,
                logger: self.logger
            )
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    public func retryNow(_ partition: PartitionKey, now: Timestamp) async throws -> Int {
        try await self.bounded {
            // An operator's action, like replay: under the maintenance lock, and without the
            // lease (the worker holding the partition picks the due retries up). The head keeps
            // its failure count (attempt numbers go on); only the pause goes.
            try await self.withMaintenanceLock { connection in
                let rows = try await connection.query(
                    """
                    WITH made AS (
                        UPDATE retention_router.retries SET next_attempt_at = \(now.millisecondsSince1970)
                        WHERE tenant = \(partition.tenant) AND destination = \(partition.destination)
                        RETURNING 1
                    ), resumed AS (
                        UPDATE retention_router.partitions SET paused_until = NULL
                        WHERE tenant = \(partition.tenant) AND destination = \(partition.destination)
                    ), notified AS (
                        -- The instance holding the partition may be another one: announcing the
                        -- tenant wakes its worker, which sees the pause cleared and tries now.
                        SELECT pg_notify(\(PostgresSchema.arrivalChannel), \(self.instanceID) || E'\\t' || \(partition.tenant))
                    )
                    -- Both scalar subqueries run, so the notice goes out even when no retry was waiting.
                    SELECT (SELECT count(*) FROM made)::int8 + 0 * (SELECT count(*) FROM notified)
                    """,
                    logger: self.logger
                )
                for try await count in rows.decode(Int64.self) { return Int(count) }
                return 0
            }
        }
    }
}
