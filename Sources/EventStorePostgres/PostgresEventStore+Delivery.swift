import Logging
import PostgresNIO
import RouterCore

/// Commits and partition leases.
extension PostgresEventStore {
    public func commit(_ commit: DeliveryCommit) async throws {
        try await self.bounded {
            let partition = commit.partition
            let attempts = commit.attempts
            let retries = commit.retries
            let dead = commit.deadLetters
            let rollup = AttemptRollup(commit.attempts)
            let failure = rollup.lastFailure
            let minutes = rollup.minutes
            let latency = (0..<LatencyBuckets.count).map { bucket in minutes.map { $0.latency[bucket] } }
            let kept = retries.map(\.sequence) + dead.map(\.sequence)
            // One statement, so it is atomic and one round trip. Every change is conditional on
            // `fence` (this instance holds the lease), and the answer says whether it did.
            let rows = try await self.client.query(
                """
                WITH fence AS (
                    -- FOR SHARE: a claim by another instance (FOR UPDATE SKIP LOCKED) cannot take the
                    -- lease while this commit runs, and one that got there first is seen here.
                    SELECT 1 FROM retention_router.leases
                    WHERE tenant = \(partition.tenant) AND destination = \(partition.destination) AND owner = \(self.instanceID)
                      AND expires_at > \(unescaped: PostgresSchema.nowMilliseconds)
                    FOR SHARE
                ), live AS MATERIALIZED (
                    -- The events this commit retries or parks, but those whose payload was erased: a
                    -- worker that read one before must not bring it back. FOR SHARE waits for an
                    -- erasure holding the row and then sees its `erased_at`; one that comes later
                    -- waits for this commit and finds what it wrote.
                    SELECT seq FROM retention_router.events
                    WHERE seq = ANY(\(kept)::int8[]) AND erased_at IS NULL
                    FOR SHARE
                ), state AS (
                    -- The last failure is kept until a later commit records another.
                    INSERT INTO retention_router.partitions (tenant, destination, head_failures, failing_since, paused_until,
                        last_failure_at, last_failure_code, last_failure_message, last_failure_status)
                    SELECT \(partition.tenant), \(partition.destination), \(commit.state.headFailures)::int4,
                           \(commit.state.failingSince?.millisecondsSince1970)::int8, \(commit.state.pausedUntil?.millisecondsSince1970)::int8,
                           \(failure?.at.millisecondsSince1970)::int8, \(failure?.reason.code)::text, \(failure?.reason.message)::text,
                           \(failure?.reason.status)::int4
                    FROM fence
                    ON CONFLICT (tenant, destination) DO UPDATE SET head_failures = excluded.head_failures,
                        failing_since = excluded.failing_since, paused_until = excluded.paused_until,
                        last_failure_at = coalesce(excluded.last_failure_at, partitions.last_failure_at),
                        last_failure_code = CASE WHEN excluded.last_failure_at IS NULL THEN partitions.last_failure_code ELSE excluded.last_failure_code END,
                        last_failure_message = CASE WHEN excluded.last_failure_at IS NULL THEN partitions.last_failure_message ELSE excluded.last_failure_message END,
                        last_failure_status = CASE WHEN excluded.last_failure_at IS NULL THEN partitions.last_failure_status ELSE excluded.last_failure_status END
                ), taken AS (
                    DELETE FROM retention_router.pending
                    WHERE tenant = \(partition.tenant) AND destination = \(partition.destination)
                      AND seq = ANY(\(commit.taken)::int8[]) AND EXISTS (SELECT 1 FROM fence)
                ), finished AS (
                    DELETE FROM retention_router.retries
                    WHERE tenant = \(partition.tenant) AND destination = \(partition.destination)
                      AND seq = ANY(\(commit.finishedRetries)::int8[]) AND EXISTS (SELECT 1 FROM fence)
                ), rescheduled AS (
                    INSERT INTO retention_router.retries
                        (tenant, destination, seq, failures, next_attempt_at, first_failure_at, code, message, status)
                    SELECT \(partition.tenant), \(partition.destination), r.seq, r.failures, r.next_at, r.first_at, r.code, r.message, NULLIF(r.status, -1)
                    FROM unnest(\(retries.map(\.sequence))::int8[], \(retries.map(\.failures))::int8[], \(retries.map(\.nextAttempt.millisecondsSince1970))::int8[],
                                \(retries.map(\.firstFailure.millisecondsSince1970))::int8[], \(retries.map(\.reason.code))::text[],
                                \(retries.map(\.reason.message))::text[], \(retries.map { $0.reason.status ?? -1 })::int8[])
                        AS r(seq, failures, next_at, first_at, code, message, status)
                    WHERE EXISTS (SELECT 1 FROM fence) AND r.seq IN (SELECT seq FROM live)
                    ON CONFLICT (tenant, destination, seq) DO UPDATE SET failures = excluded.failures,
                        next_attempt_at = excluded.next_attempt_at, first_failure_at = excluded.first_failure_at,
                        code = excluded.code, message = excluded.message, status = excluded.status
                ), dead AS (
                    INSERT INTO retention_router.dead_letters (tenant, destination, seq, event_id, attempts, code, message, status, failed_at)
                    SELECT \(partition.tenant), \(partition.destination), d.seq, d.event_id, d.attempts, d.code, d.message, NULLIF(d.status, -1), d.failed_at
                    FROM unnest(\(dead.map(\.sequence))::int8[], \(dead.map(\.eventID))::text[], \(dead.map(\.attempts))::int8[],
                                \(dead.map(\.reason.code))::text[], \(dead.map(\.reason.message))::text[], \(dead.map { $0.reason.status ?? -1 })::int8[],
                                \(dead.map(\.failedAt.millisecondsSince1970))::int8[])
                        AS d(seq, event_id, attempts, code, message, status, failed_at)
                    WHERE EXISTS (SELECT 1 FROM fence) AND d.seq IN (SELECT seq FROM live)
                    ON CONFLICT (tenant, destination, seq) DO UPDATE SET event_id = excluded.event_id, attempts = excluded.attempts,
                        code = excluded.code, message = excluded.message, status = excluded.status, failed_at = excluded.failed_at
                ), recorded AS (
                    INSERT INTO retention_router.attempts (tenant, destination, seq, attempt, at, outcome, status, code, message, latency_ms)
                    SELECT \(partition.tenant), \(partition.destination), a.seq, a.attempt, a.at, a.outcome, NULLIF(a.status, -1),
                           NULLIF(a.code, ''), CASE WHEN a.code = '' THEN NULL ELSE a.message END, a.latency
                    FROM unnest(\(attempts.map(\.sequence))::int8[], \(attempts.map(\.attempt))::int8[], \(attempts.map(\.at.millisecondsSince1970))::int8[],
                                \(attempts.map(\.outcome.rawValue))::text[], \(attempts.map { $0.reason?.status ?? -1 })::int8[],
                                \(attempts.map { $0.reason?.code ?? "" })::text[], \(attempts.map { $0.reason?.message ?? "" })::text[],
                                \(attempts.map(\.latencyMilliseconds))::int8[])
                        AS a(seq, attempt, at, outcome, status, code, message, latency)
                    WHERE EXISTS (SELECT 1 FROM fence)
                    ON CONFLICT DO NOTHING
                ), minutes AS (
                    -- One row per minute the attempts fall in, summed before the statement.
                    INSERT INTO retention_router.delivery_minutes (tenant, destination, minute_start_ms, delivered, failed,
                        latency_5, latency_10, latency_25, latency_50, latency_100, latency_250,
                        latency_500, latency_1000, latency_2500, latency_5000, latency_10000, latency_slower)
                    SELECT \(partition.tenant), \(partition.destination), m.*
                    FROM unnest(\(minutes.map(\.start))::int8[], \(minutes.map(\.delivered))::int8[], \(minutes.map(\.failed))::int8[],
                                \(latency[0])::int8[], \(latency[1])::int8[], \(latency[2])::int8[], \(latency[3])::int8[],
                                \(latency[4])::int8[], \(latency[5])::int8[], \(latency[6])::int8[], \(latency[7])::int8[],
                                \(latency[8])::int8[], \(latency[9])::int8[], \(latency[10])::int8[], \(latency[11])::int8[]) AS m
                    WHERE EXISTS (SELECT 1 FROM fence)
                    ON CONFLICT (tenant, destination, minute_start_ms) DO UPDATE SET
                        delivered = delivery_minutes.delivered + excluded.delivered, failed = delivery_minutes.failed + excluded.failed,
                        latency_5 = delivery_minutes.latency_5 + excluded.latency_5, latency_10 = delivery_minutes.latency_10 + excluded.latency_10,
                        latency_25 = delivery_minutes.latency_25 + excluded.latency_25, latency_50 = delivery_minutes.latency_50 + excluded.latency_50,
                        latency_100 = delivery_minutes.latency_100 + excluded.latency_100,
                        latency_250 = delivery_minutes.latency_250 + excluded.latency_250,
                        latency_500 = delivery_minutes.latency_500 + excluded.latency_500,
                        latency_1000 = delivery_minutes.latency_1000 + excluded.latency_1000,
                        latency_2500 = delivery_minutes.latency_2500 + excluded.latency_2500,
                        latency_5000 = delivery_minutes.latency_5000 + excluded.latency_5000,
                        latency_10000 = delivery_minutes.latency_10000 + excluded.latency_10000,
                        latency_slower = delivery_minutes.latency_slower + excluded.latency_slower
                )
                SELECT count(*)::int8 FROM fence
                """,
                logger: self.logger
            )
            var fenced = false
            for try await count in rows.decode(Int64.self) { fenced = count > 0 }
            guard fenced else { throw PartitionLeaseLost(partition: partition) }
        }
    }

    public func lease(_ partitions: Set<PartitionKey>) async throws -> LeaseGrant {
        try await self.bounded {
            let ttl = Self.milliseconds(self.coordination.leaseDuration)
            let now = PostgresSchema.nowMilliseconds
            // This instance is alive; count those seen within a lease to divide the partitions.
            let live = try await self.client.query(
                """
                WITH beat AS (
                    INSERT INTO retention_router.instances (id, seen_at) VALUES (\(self.instanceID), \(unescaped: now))
                    ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at
                ), forgotten AS (
                    -- Instances killed long ago (each start has a new id unless --instance-id is set).
                    DELETE FROM retention_router.instances WHERE seen_at < \(unescaped: now) - 86400000
                )
                SELECT count(*)::int8 + 1 FROM retention_router.instances WHERE id <> \(self.instanceID) AND seen_at > \(unescaped: now) - \(ttl)
                """,
                logger: self.logger
            )
            var instances: Int64 = 1
            for try await count in live.decode(Int64.self) { instances = max(1, count) }
            guard !partitions.isEmpty else { return LeaseGrant(held: [], share: 0) }
            let share = (partitions.count + Int(instances) - 1) / Int(instances)
            // Sorted, so instances inserting the same rows at once take their locks in one order.
            let ordered = partitions.sorted { ($0.tenant, $0.destination) < ($1.tenant, $1.destination) }
            let tenants = ordered.map(\.tenant)
            let destinations = ordered.map(\.destination)
            try await self.client.query(
                """
                INSERT INTO retention_router.leases (tenant, destination)
                SELECT * FROM unnest(\(tenants)::text[], \(destinations)::text[])
                ON CONFLICT DO NOTHING
                """,
                logger: self.logger
            )
            var held: Set<PartitionKey> = []
            // Renew what this instance holds (waiting for a row another instance is looking at, so a
            // brief lock never looks like a lost lease), then take what is free or expired, up to
            // the fair share, skipping rows another instance is claiming right now.
            let renewed = try await self.client.query(
                """
                UPDATE retention_router.leases l SET expires_at = \(unescaped: now) + \(ttl)
                FROM unnest(\(tenants)::text[], \(destinations)::text[]) AS w(tenant, destination)
                WHERE l.tenant = w.tenant AND l.destination = w.destination AND l.owner = \(self.instanceID)
                RETURNING l.tenant, l.destination
                """,
                logger: self.logger
            )
            for try await (tenant, destination) in renewed.decode((String, String).self) {
                held.insert(PartitionKey(tenant: tenant, destination: destination))
            }
            let room = share - held.count
            if room > 0 {
                let claimed = try await self.client.query(
                    """
                    UPDATE retention_router.leases l SET owner = \(self.instanceID), expires_at = \(unescaped: now) + \(ttl)
                    FROM (
                        SELECT f.tenant, f.destination FROM retention_router.leases f
                        JOIN unnest(\(tenants)::text[], \(destinations)::text[]) AS w(tenant, destination)
                            ON f.tenant = w.tenant AND f.destination = w.destination
                        WHERE f.owner IS NULL OR (f.owner <> \(self.instanceID) AND f.expires_at < \(unescaped: now))
                        ORDER BY f.tenant, f.destination
                        LIMIT \(room)
                        FOR UPDATE OF f SKIP LOCKED
                    ) free
                    WHERE l.tenant = free.tenant AND l.destination = free.destination
                    RETURNING l.tenant, l.destination
                    """,
                    logger: self.logger
                )
                for try await (tenant, destination) in claimed.decode((String, String).self) {
                    held.insert(PartitionKey(tenant: tenant, destination: destination))
                    self.logger.info("Partition lease taken", metadata: ["tenant.id": "\(tenant)", "destination.id": "\(destination)", "instance": "\(self.instanceID)"])
                }
            }
            // When does the next lease held elsewhere run out? A dead instance's partitions are
            // free then (and, its heartbeat gone too, this instance's share grows to take them).
            let expiry = try await self.client.query(
                """
                SELECT min(l.expires_at) - \(unescaped: now) FROM retention_router.leases l
                JOIN unnest(\(tenants)::text[], \(destinations)::text[]) AS w(tenant, destination)
                    ON l.tenant = w.tenant AND l.destination = w.destination
                WHERE l.owner IS NOT NULL AND l.owner <> \(self.instanceID)
                """,
                logger: self.logger
            )
            var next: Duration?
            for try await remaining in expiry.decode(Int64?.self) {
                next = remaining.map { .milliseconds(max(0, $0)) }
            }
            return LeaseGrant(held: held, share: share, nextExpiry: next)
        }
    }

    public func releaseLeases(_ partitions: Set<PartitionKey>, leaving: Bool) async throws {
        try await self.bounded {
            if leaving {
                // Every lease this instance holds, also one whose claim answered after a deadline.
                try await self.client.query(
                    "UPDATE retention_router.leases SET owner = NULL, expires_at = NULL WHERE owner = \(self.instanceID)",
                    logger: self.logger
                )
                try await self.client.query("DELETE FROM retention_router.instances WHERE id = \(self.instanceID)", logger: self.logger)
            } else if !partitions.isEmpty {
                try await self.client.query(
                    """
                    UPDATE retention_router.leases l SET owner = NULL, expires_at = NULL
                    FROM unnest(\(partitions.map(\.tenant))::text[], \(partitions.map(\.destination))::text[]) AS w(tenant, destination)
                    WHERE l.tenant = w.tenant AND l.destination = w.destination AND l.owner = \(self.instanceID)
                    """,
                    logger: self.logger
                )
            }
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
