import RouterCore

/// Partition health for the operator console: bounded counts, the last failure, per-minute
/// delivery totals (kept by `commit`), and "retry now".
extension SQLiteEventStore {
    public func health(since: Timestamp) async throws -> [PartitionHealth] {
        try await self.reader.run { connection in
            let partitions = try connection.statement(
                """
                SELECT tenant, destination, cursor, head_failures, failing_since, paused_until,
                    last_failure_at, last_failure_code, last_failure_message, last_failure_status
                FROM partitions ORDER BY tenant, destination
                """
            )
            var rows: [(key: PartitionKey, cursor: Int64, state: PartitionState, lastFailure: AttemptFailure?)] = []
            while try partitions.step() {
                let lastFailure = partitions.optionalInt64(6).map { at in
                    AttemptFailure(
                        at: Timestamp(millisecondsSince1970: at),
                        reason: FailureReason(
                            code: partitions.optionalString(7) ?? "unknown",
                            message: partitions.optionalString(8) ?? "",
                            status: partitions.optionalInt64(9).map { Int($0) }
                        )
                    )
                }
                rows.append(
                    (
                        PartitionKey(tenant: partitions.string(0), destination: partitions.string(1)),
                        partitions.int64(2),
                        PartitionState(
                            headFailures: Int(partitions.int64(3)),
                            failingSince: partitions.optionalInt64(4).map(Timestamp.init(millisecondsSince1970:)),
                            pausedUntil: partitions.optionalInt64(5).map(Timestamp.init(millisecondsSince1970:))
                        ),
                        lastFailure
                    )
                )
            }
            let reader = try HealthReader(connection: connection, since: AttemptRollup.minuteStart(since))
            return try rows.map { row in
                try reader.health(of: row.key, cursor: row.cursor, state: row.state, lastFailure: row.lastFailure)
            }
        }
    }

    public func retryNow(_ partition: PartitionKey, now: Timestamp) async throws -> Int {
        try await self.writer.write { connection in
            // The head keeps its failure count (attempt numbers go on); only the pause goes.
            let due = try connection.statement("UPDATE retries SET next_attempt_at = ?3 WHERE tenant = ?1 AND destination = ?2")
            due.bind(1, partition.tenant)
            due.bind(2, partition.destination)
            due.bind(3, now.millisecondsSince1970)
            try due.run()
            let made = connection.changes
            let resume = try connection.statement("UPDATE partitions SET paused_until = NULL WHERE tenant = ?1 AND destination = ?2")
            resume.bind(1, partition.tenant)
            resume.bind(2, partition.destination)
            try resume.run()
            return made
        }
    }

    /// Adds a commit's attempts to the per-minute totals, one upsert per minute.
    static func record(_ rollup: AttemptRollup, of partition: PartitionKey, on connection: SQLiteConnection) throws {
        guard !rollup.minutes.isEmpty else { return }
        let upsert = try connection.statement(Self.upsertMinute)
        for minute in rollup.minutes {
            upsert.reset()
            upsert.bind(1, partition.tenant)
            upsert.bind(2, partition.destination)
            upsert.bind(3, minute.start)
            upsert.bind(4, minute.delivered)
            upsert.bind(5, minute.failed)
            for (index, count) in minute.latency.enumerated() {
                upsert.bind(Int32(6 + index), count)
            }
            try upsert.run()
        }
    }

    /// Deletes per-minute totals older than `AttemptRollup.retention` before `now`.
    static func pruneMinutes(before now: Timestamp, on connection: SQLiteConnection) throws {
        let delete = try connection.statement("DELETE FROM delivery_minutes WHERE minute_start_ms < ?1")
        delete.bind(1, now.adding(.zero - AttemptRollup.retention).millisecondsSince1970)
        try delete.run()
    }

    private static let upsertMinute: String = {
        let columns = SQLiteSchema.latencyColumns
        let values = columns.indices.map { "?\($0 + 6)" }.joined(separator: ", ")
        let sums = columns.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", ")
        return """
            INSERT INTO delivery_minutes (tenant, destination, minute_start_ms, delivered, failed, \(columns.joined(separator: ", ")))
            VALUES (?1, ?2, ?3, ?4, ?5, \(values))
            ON CONFLICT (tenant, destination, minute_start_ms) DO UPDATE SET
                delivered = delivered + excluded.delivered, failed = failed + excluded.failed, \(sums)
            """
    }()
}

/// The per-partition reads of `health(since:)`, each bounded: counts stop at
/// `PartitionHealth.countCap`, and the oldest waiting events are found by key.
private struct HealthReader {
    let backlog: SQLiteStatement
    let retrying: SQLiteStatement
    let dead: SQLiteStatement
    let oldestHead: SQLiteStatement
    let oldestRetry: SQLiteStatement
    let minutes: SQLiteStatement
    let since: Int64

    init(connection: SQLiteConnection, since: Int64) throws {
        self.since = since
        self.backlog = try connection.statement(
            "SELECT count(*) FROM (SELECT 1 FROM routes WHERE tenant = ?1 AND destination = ?2 AND seq > ?3 LIMIT ?4)"
        )
        self.retrying = try connection.statement(
            "SELECT count(*) FROM (SELECT 1 FROM retries WHERE tenant = ?1 AND destination = ?2 LIMIT ?3)"
        )
        self.dead = try connection.statement(
            "SELECT count(*) FROM (SELECT 1 FROM dead_letters WHERE tenant = ?1 AND destination = ?2 LIMIT ?3)"
        )
        // Sequences follow acceptance, so the first at the head and the first retry are the
        // oldest waiting (to within the moments ingest requests overlap).
        self.oldestHead = try connection.statement(
            """
            SELECT e.received_at FROM routes r CROSS JOIN events e ON e.seq = r.seq
            WHERE r.tenant = ?1 AND r.destination = ?2 AND r.seq > ?3 ORDER BY r.seq LIMIT 1
            """
        )
        self.oldestRetry = try connection.statement(
            """
            SELECT e.received_at FROM retries r CROSS JOIN events e ON e.seq = r.seq
            WHERE r.tenant = ?1 AND r.destination = ?2 ORDER BY r.seq LIMIT 1
            """
        )
        self.minutes = try connection.statement(
            """
            SELECT minute_start_ms, delivered, failed, \(SQLiteSchema.latencyColumns.joined(separator: ", ")) FROM delivery_minutes
            WHERE tenant = ?1 AND destination = ?2 AND minute_start_ms >= ?3 ORDER BY minute_start_ms
            """
        )
    }

    func health(of partition: PartitionKey, cursor: Int64, state: PartitionState, lastFailure: AttemptFailure?) throws -> PartitionHealth {
        let cap = Int64(PartitionHealth.countCap)
        let backlog = try self.first(self.backlog, partition, cursor, cap) ?? 0
        let retrying = try self.first(self.retrying, partition, cap) ?? 0
        let dead = try self.first(self.dead, partition, cap) ?? 0
        let waiting = try [self.first(self.oldestHead, partition, cursor), self.first(self.oldestRetry, partition)].compactMap { $0 }
        var minutes: [PartitionHealth.Minute] = []
        self.minutes.reset()
        self.minutes.bind(1, partition.tenant)
        self.minutes.bind(2, partition.destination)
        self.minutes.bind(3, self.since)
        while try self.minutes.step() {
            minutes.append(
                PartitionHealth.Minute(
                    start: Timestamp(millisecondsSince1970: self.minutes.int64(0)),
                    delivered: Int(self.minutes.int64(1)),
                    failed: Int(self.minutes.int64(2)),
                    latency: SQLiteSchema.latencyColumns.indices.map { Int(self.minutes.int64(Int32(3 + $0))) }
                )
            )
        }
        return PartitionHealth(
            partition: partition,
            state: state,
            backlog: Int(backlog),
            retrying: Int(retrying),
            deadLetters: Int(dead),
            oldestWaiting: waiting.min().map(Timestamp.init(millisecondsSince1970:)),
            lastFailure: lastFailure,
            minutes: minutes
        )
    }

    /// The first column of the first row of `statement` bound to (tenant, destination, values…).
    private func first(_ statement: SQLiteStatement, _ partition: PartitionKey, _ values: Int64...) throws -> Int64? {
        statement.reset()
        statement.bind(1, partition.tenant)
        statement.bind(2, partition.destination)
        for (index, value) in values.enumerated() {
            statement.bind(Int32(3 + index), value)
        }
        guard try statement.step() else { return nil }
        return statement.optionalInt64(0)
    }
}
