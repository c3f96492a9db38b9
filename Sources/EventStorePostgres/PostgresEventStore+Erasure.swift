import Logging
import NIOCore
import PostgresNIO
import RouterCore

/// Erasing payloads: the row is updated in place. PostgreSQL keeps the old row version until
/// vacuum reclaims it (and in its write-ahead log, replicas and backups as it keeps them), as it
/// does for every update; `purgeErasedRemnants` has nothing to do here.
extension PostgresEventStore {
    public func erasePayload(tenant: String, id: String, now: Timestamp) async throws -> ErasureResult? {
        try await self.bounded {
            // Under the maintenance lock: a replay at the same moment must not move a dead letter
            // of this event back into delivery.
            try await self.withMaintenanceLock { connection in
                let rows = try await connection.query(
                    "SELECT seq, erased_at FROM retention_router.events WHERE tenant = \(tenant) AND id = \(id)",
                    logger: self.logger
                )
                var found: (sequence: Int64, erasedAt: Int64?)?
                for try await row in rows.decode((Int64, Int64?).self) { found = row }
                guard let found else { return nil }
                if let erasedAt = found.erasedAt {
                    return ErasureResult(
                        id: id,
                        sequence: found.sequence,
                        erasedAt: Timestamp(millisecondsSince1970: erasedAt),
                        alreadyErased: true,
                        deadLettered: []
                    )
                }
                let erased = try await Self.erase([found.sequence], tenant: tenant, now: now, on: connection, logger: self.logger)
                // Another erasure cannot have come first: both hold the maintenance lock.
                let partitions = erased.parked.map { PartitionKey(tenant: tenant, destination: $0.destination) }
                return ErasureResult(id: id, sequence: found.sequence, erasedAt: now, alreadyErased: false, deadLettered: Set(partitions))
            }
        }
    }

    public func erasePayloads(
        tenant: String,
        matching match: PropertyValueMatch,
        after: Int64,
        limit: Int,
        dryRun: Bool,
        now: Timestamp
    ) async throws -> ErasureProgress {
        try await self.bounded {
            let limit = max(1, limit)
            let name = ByteBuffer(bytes: Array(match.property.utf8))
            let value = ByteBuffer(bytes: Array(match.value.utf8))
            // Only rows whose text holds the name and the value (or escapes, left to the matcher)
            // cross the wire with their properties.
            let rows = try await self.client.query(
                """
                SELECT seq, CASE WHEN erased_at IS NULL AND (position('\\x5c'::bytea IN properties) > 0
                                      OR (position(\(name)::bytea IN properties) > 0 AND position(\(value)::bytea IN properties) > 0))
                                 THEN properties END
                FROM retention_router.events WHERE tenant = \(tenant) AND seq > \(after)
                ORDER BY seq LIMIT \(limit)
                """,
                logger: self.logger
            )
            var scanned = 0
            var last: Int64?
            var matched: [Int64] = []
            for try await (sequence, properties) in rows.decode((Int64, ByteBuffer?).self) {
                scanned += 1
                last = sequence
                guard let properties, properties.withUnsafeReadableBytes({ match.matches($0) }) else { continue }
                matched.append(sequence)
            }
            let next = scanned < limit ? nil : last
            if dryRun || matched.isEmpty {
                return ErasureProgress(scanned: scanned, matched: matched.count, deadLettered: [:], next: next)
            }
            let erased = try await self.withMaintenanceLock { connection in
                try await Self.erase(matched, tenant: tenant, now: now, on: connection, logger: self.logger)
            }
            var deadLettered: [PartitionKey: Int] = [:]
            for parked in erased.parked { deadLettered[PartitionKey(tenant: tenant, destination: parked.destination), default: 0] += 1 }
            return ErasureProgress(scanned: scanned, matched: erased.sequences.count, deadLettered: deadLettered, next: next)
        }
    }

    /// Nothing to do: old row versions are PostgreSQL's to reclaim (vacuum).
    public func purgeErasedRemnants() async throws {}

    /// Tombstones the events at `sequences` that are not erased yet and parks their waiting
    /// deliveries, in the caller's transaction.
    ///
    /// Two statements, in this order: the update takes the rows' locks, so a delivery commit
    /// that is about to retry or park one of them either finished first (and the second
    /// statement, with a fresh snapshot, sees what it wrote) or waits and then sees it erased.
    /// Head and retry rows a commit in flight holds are skipped rather than waited for (that
    /// commit takes them off itself), so the two never wait for each other.
    ///
    /// - Returns: the sequences erased now, and each delivery parked as a dead letter.
    static func erase(
        _ sequences: [Int64],
        tenant: String,
        now: Timestamp,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> (sequences: [Int64], parked: [(sequence: Int64, destination: String)]) {
        let updated = try await connection.query(
            """
            UPDATE retention_router.events SET properties = ''::bytea, erased_at = \(now.millisecondsSince1970)
            WHERE tenant = \(tenant) AND seq = ANY(\(sequences)::int8[]) AND erased_at IS NULL
            RETURNING seq
            """,
            logger: logger
        )
        var erased: [Int64] = []
        for try await sequence in updated.decode(Int64.self) { erased.append(sequence) }
        guard !erased.isEmpty else { return ([], []) }
        let reason = FailureReason.erased
        let rows = try await connection.query(
            """
            WITH targets AS (
                SELECT e.seq, e.id, d AS destination FROM retention_router.events e, unnest(e.destinations) AS d
                WHERE e.tenant = \(tenant) AND e.seq = ANY(\(erased)::int8[])
                  AND NOT EXISTS (SELECT 1 FROM retention_router.dead_letters x WHERE x.tenant = e.tenant AND x.destination = d AND x.seq = e.seq)
                  AND (EXISTS (SELECT 1 FROM retention_router.pending p WHERE p.tenant = e.tenant AND p.destination = d AND p.seq = e.seq)
                       OR EXISTS (SELECT 1 FROM retention_router.retries r WHERE r.tenant = e.tenant AND r.destination = d AND r.seq = e.seq))
            ), unpending AS (
                DELETE FROM retention_router.pending p USING (
                    SELECT q.destination, q.seq FROM retention_router.pending q JOIN targets t ON q.destination = t.destination AND q.seq = t.seq
                    WHERE q.tenant = \(tenant) FOR UPDATE OF q SKIP LOCKED
                ) s
                WHERE p.tenant = \(tenant) AND p.destination = s.destination AND p.seq = s.seq
            ), unretried AS (
                DELETE FROM retention_router.retries r USING (
                    SELECT q.destination, q.seq FROM retention_router.retries q JOIN targets t ON q.destination = t.destination AND q.seq = t.seq
                    WHERE q.tenant = \(tenant) FOR UPDATE OF q SKIP LOCKED
                ) s
                WHERE r.tenant = \(tenant) AND r.destination = s.destination AND r.seq = s.seq
            ), parked AS (
                INSERT INTO retention_router.dead_letters (tenant, destination, seq, event_id, attempts, code, message, status, failed_at)
                SELECT \(tenant), t.destination, t.seq, t.id,
                       (SELECT count(*) FROM retention_router.attempts a WHERE a.tenant = \(tenant) AND a.destination = t.destination AND a.seq = t.seq),
                       \(reason.code), \(reason.message), NULL, \(now.millisecondsSince1970)
                FROM targets t
                ON CONFLICT (tenant, destination, seq) DO NOTHING
            )
            SELECT seq, destination FROM targets
            """,
            logger: logger
        )
        var parked: [(sequence: Int64, destination: String)] = []
        for try await (sequence, destination) in rows.decode((Int64, String).self) { parked.append((sequence, destination)) }
        return (erased, parked)
    }
}
