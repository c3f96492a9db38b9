import Foundation
import Logging
import RouterCore
import ServiceLifecycle
import Synchronization

/// The embedded default `EventStore`: one SQLite file in WAL mode with `synchronous=FULL`.
///
/// Writes go through a `GroupCommitWriter`, so concurrent ingest requests share a transaction and
/// an fsync; each request is still atomic (a failing one is rolled back alone). Reads go through a
/// `SQLiteReader`, on connections of their own that WAL lets run beside the writer: the delivery
/// workers' on one per core, the operators' on another.
///
/// The writer overwrites freed space with zeros (`secure_delete`), so an erased payload's bytes
/// do not linger in free pages of the database file; `purgeErasedRemnants` then checkpoints the
/// write-ahead log and truncates it, so they are not left there either.
public final class SQLiteEventStore: EventStore, Service {
    let writer: GroupCommitWriter
    let reader: SQLiteReader
    let logger: Logger
    /// True while an erasure's old bytes may still be in the write-ahead log (a checkpoint
    /// after it could not finish); the next `prune` pass tries again. Set at opening: a process
    /// that stopped without closing the store may have left them there.
    let remnantsPending = Mutex(true)
    /// The database file.
    public let path: String
    /// How long `append` waits for its commit before throwing `DeadlineExceeded`.
    public let commitTimeout: Duration

    /// Opens (creating if needed) the store at `directory/events.sqlite3`.
    ///
    /// - Parameter commitTimeout: how long `append` waits for its commit (a disk that stopped
    ///   answering) before throwing `DeadlineExceeded`, so ingest can answer 503.
    /// - Throws: `SQLiteError` when the file cannot be opened or migrated, e.g. the folder is not
    ///   writable.
    public init(directory: String, logger: Logger, commitTimeout: Duration = .seconds(10)) throws {
        self.commitTimeout = commitTimeout
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.path = (directory as NSString).appendingPathComponent("events.sqlite3")
        let writeConnection = try SQLiteConnection(path: self.path)
        try writeConnection.execute(SQLiteSchema.pragmas)
        let version = try Self.userVersion(writeConnection)
        if version > SQLiteSchema.version {
            throw SQLiteError(code: -1, message: "\(self.path) has schema version \(version); this router knows up to \(SQLiteSchema.version)")
        }
        // Every step the store lacks in one transaction: a new store costs one durable commit
        // (not one per migration, each waiting for the disk at start), and a migration that
        // fails leaves the store at the version it had.
        var steps = version < 1 ? [SQLiteSchema.create, "PRAGMA user_version = 1;"] : []
        var current = max(version, 1)
        while current < SQLiteSchema.version {
            current += 1
            if let migration = SQLiteSchema.migrations[current] { steps.append(migration) }
        }
        if !steps.isEmpty {
            do {
                try writeConnection.execute("BEGIN IMMEDIATE; \(steps.joined(separator: "\n")) COMMIT;")
            } catch {
                try? writeConnection.execute("ROLLBACK")
                let from = version < 1 ? "a new store" : "schema version \(version)"
                throw SQLiteError(code: error.code, message: "cannot bring \(self.path) from \(from) to version \(SQLiteSchema.version) (left as it was): \(error.message)")
            }
        }
        let path = self.path
        func reading(_ label: String) throws -> SQLiteExecutor {
            let connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA temp_store = MEMORY;")
            return SQLiteExecutor(label: "retention-router.sqlite.\(label)", connection: connection)
        }
        let deliveryReaders = try (1...SQLiteReader.defaultDeliveryConnections).map { index in try reading("delivery-reader.\(index)") }
        let operatorReader = try reading("operator-reader")
        self.writer = GroupCommitWriter(executor: SQLiteExecutor(label: "retention-router.sqlite.writer", connection: writeConnection))
        self.reader = SQLiteReader(delivery: deliveryReaders, operators: operatorReader)
        self.logger = logger
    }

    private static func userVersion(_ connection: SQLiteConnection) throws -> Int64 {
        let statement = try connection.statement("PRAGMA user_version")
        guard try statement.step() else { return 0 }
        return statement.int64(0)
    }

    /// Keeps the store open while the service group runs.
    public func run() async throws {
        try? await gracefulShutdown()
    }

    public func append(_ events: [RetentionEvent], routes: [[String]]) async throws -> [Bool] {
        precondition(events.count == routes.count, "one route list per event")
        let rows = zip(events, routes).map { event, destinations in
            PendingRow(event: event, properties: StoredProperties.encode(event.propertiesJSON), destinations: destinations)
        }
        // Bounded like the PostgreSQL batcher: past the cap ingest answers 503 with Retry-After
        // at once instead of queueing without end behind a slow disk.
        return try await self.writer.write(within: self.commitTimeout, bounded: true) { connection in
            let insertEvent = try connection.statement(
                "INSERT OR IGNORE INTO events (tenant, id, type, occurred_at, received_at, properties, destinations) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            )
            var inserted: [Bool] = []
            inserted.reserveCapacity(rows.count)
            var routed: [PartitionKey: Int64] = [:]
            for row in rows {
                insertEvent.reset()
                insertEvent.bind(1, row.event.tenant)
                insertEvent.bind(2, row.event.id)
                insertEvent.bind(3, row.event.type.rawValue)
                insertEvent.bind(4, row.event.occurredAt.millisecondsSince1970)
                insertEvent.bind(5, row.event.receivedAt.millisecondsSince1970)
                insertEvent.bind(6, blob: row.properties)
                insertEvent.bind(7, row.destinations.joined(separator: ","))
                try insertEvent.run()
                guard connection.changes == 1 else {
                    inserted.append(false)
                    continue
                }
                inserted.append(true)
                let sequence = connection.lastInsertRowID
                let insertRoute = try connection.statement("INSERT INTO routes (tenant, destination, seq) VALUES (?1, ?2, ?3)")
                for destination in row.destinations {
                    insertRoute.reset()
                    insertRoute.bind(1, row.event.tenant)
                    insertRoute.bind(2, destination)
                    insertRoute.bind(3, sequence)
                    try insertRoute.run()
                    routed[PartitionKey(tenant: row.event.tenant, destination: destination), default: 0] += 1
                }
            }
            // The backlog counts the new routes, once per partition: a new sequence is above every
            // cursor (SQLite hands out MAX(seq) + 1, and pruning never deletes the newest event).
            let countRoutes = try connection.statement(
                """
                INSERT INTO partitions (tenant, destination, backlog) VALUES (?1, ?2, ?3)
                ON CONFLICT (tenant, destination) DO UPDATE SET backlog = backlog + excluded.backlog
                """
            )
            for (partition, count) in routed {
                countRoutes.reset()
                countRoutes.bind(1, partition.tenant)
                countRoutes.bind(2, partition.destination)
                countRoutes.bind(3, count)
                try countRoutes.run()
            }
            return inserted
        }
    }

    public func state(of partition: PartitionKey) async throws -> PartitionState {
        try await self.reader.run(for: .delivery) { connection in
            let statement = try connection.statement(
                "SELECT head_failures, failing_since, paused_until FROM partitions WHERE tenant = ?1 AND destination = ?2"
            )
            statement.bind(1, partition.tenant)
            statement.bind(2, partition.destination)
            guard try statement.step() else { return PartitionState() }
            return PartitionState(
                headFailures: Int(statement.int64(0)),
                failingSince: statement.optionalInt64(1).map(Timestamp.init(millisecondsSince1970:)),
                pausedUntil: statement.optionalInt64(2).map(Timestamp.init(millisecondsSince1970:))
            )
        }
    }

    public func head(of partition: PartitionKey, limit: Int, maxBytes: Int) async throws -> [StoredEvent] {
        try await self.headBatch(of: partition, limit: limit, maxBytes: maxBytes).events
    }

    public func headBatch(of partition: PartitionKey, limit: Int, maxBytes: Int) async throws -> HeadBatch {
        try await self.reader.run(for: .delivery) { connection in
            try Self.readHead(of: partition, limit: limit, maxBytes: maxBytes, on: connection)
        }
    }

    /// Every head in one read job (one snapshot), so a round for many partitions costs one
    /// trip to a reader, not one each.
    public func headBatches(_ requests: [HeadRequest]) async throws -> [HeadBatch] {
        if requests.isEmpty { return [] }
        return try await self.reader.run(for: .delivery) { connection in
            try requests.map { try Self.readHead(of: $0.partition, limit: $0.limit, maxBytes: $0.maxBytes, on: connection) }
        }
    }

    private static func readHead(of partition: PartitionKey, limit: Int, maxBytes: Int, on connection: SQLiteConnection) throws -> HeadBatch {
        // One writer hands out sequences in commit order, so the head is everything after
        // the partition's cursor, but erased events (their deliveries are dead letters).
        let statement = try connection.statement(
            """
            SELECT e.seq, e.id, e.type, e.occurred_at, e.received_at, e.properties
            FROM routes r JOIN events e ON e.seq = r.seq
            WHERE r.tenant = ?1 AND r.destination = ?2
              AND r.seq > coalesce((SELECT cursor FROM partitions WHERE tenant = ?1 AND destination = ?2), 0)
              AND e.erased_at IS NULL
            ORDER BY r.seq LIMIT ?3
            """
        )
        statement.bind(1, partition.tenant)
        statement.bind(2, partition.destination)
        // One row past the limit tells whether the head held more than the batch.
        statement.bind(3, Int64(min(limit, Int(Int32.max))) + 1)
        var cut = false
        let events = try Self.batch(statement, tenant: partition.tenant, limit: limit, maxBytes: maxBytes, cut: &cut) { _ in (0, nil) }
        return HeadBatch(events: events, drained: !cut)
    }

    public func partitionsWithWork(among partitions: Set<PartitionKey>) async throws -> Set<PartitionKey>? {
        try await self.reader.run(for: .delivery) { connection in
            // One probe per partition, each stopping at its first row: no count, no decoding.
            let statement = try connection.statement(
                """
                SELECT EXISTS (SELECT 1 FROM partitions WHERE tenant = ?1 AND destination = ?2 AND (head_failures > 0 OR paused_until IS NOT NULL))
                    OR EXISTS (SELECT 1 FROM retries WHERE tenant = ?1 AND destination = ?2)
                    OR EXISTS (SELECT 1 FROM routes WHERE tenant = ?1 AND destination = ?2
                        AND seq > coalesce((SELECT cursor FROM partitions WHERE tenant = ?1 AND destination = ?2), 0))
                """
            )
            var found: Set<PartitionKey> = []
            for partition in partitions {
                statement.reset()
                statement.bind(1, partition.tenant)
                statement.bind(2, partition.destination)
                if try statement.step(), statement.int64(0) != 0 { found.insert(partition) }
            }
            return found
        }
    }

    public func dueRetries(in partition: PartitionKey, now: Timestamp, limit: Int, maxBytes: Int) async throws -> [StoredEvent] {
        try await self.reader.run(for: .delivery) { connection in
            let statement = try connection.statement(
                """
                SELECT e.seq, e.id, e.type, e.occurred_at, e.received_at, e.properties, r.failures, r.first_failure_at
                FROM retries r JOIN events e ON e.seq = r.seq
                WHERE r.tenant = ?1 AND r.destination = ?2 AND r.next_attempt_at <= ?3 AND e.erased_at IS NULL
                ORDER BY r.seq LIMIT ?4
                """
            )
            statement.bind(1, partition.tenant)
            statement.bind(2, partition.destination)
            statement.bind(3, now.millisecondsSince1970)
            statement.bind(4, Int64(limit))
            var cut = false
            return try Self.batch(statement, tenant: partition.tenant, limit: limit, maxBytes: maxBytes, cut: &cut) { row in
                (Int(row.int64(6)), Timestamp(millisecondsSince1970: row.int64(7)))
            }
        }
    }

    /// Reads rows of (seq, id, type, occurred, received, properties, …) into a batch, stopping
    /// before the properties exceed `maxBytes` (but keeping at least one), so rows the
    /// destination would not take are never parsed. `history` reads an event's failures so far;
    /// `cut` is set when a row was left for `limit` or `maxBytes`.
    private static func batch(
        _ statement: SQLiteStatement,
        tenant: String,
        limit: Int,
        maxBytes: Int,
        cut: inout Bool,
        history: (SQLiteStatement) -> (failures: Int, firstFailure: Timestamp?)
    ) throws -> [StoredEvent] {
        var events: [StoredEvent] = []
        var bytes = 0
        while try statement.step() {
            if events.count == limit {
                cut = true
                break
            }
            bytes += StoredProperties.textSize(statement.blob(5))
            if !events.isEmpty, bytes > maxBytes {
                cut = true
                break
            }
            let (failures, firstFailure) = history(statement)
            events.append(Self.storedEvent(statement, tenant: tenant, failures: failures, firstFailure: firstFailure))
        }
        return events
    }

    public func nextRetry(in partition: PartitionKey) async throws -> Timestamp? {
        try await self.reader.run(for: .delivery) { connection in
            let statement = try connection.statement(
                "SELECT MIN(next_attempt_at) FROM retries WHERE tenant = ?1 AND destination = ?2"
            )
            statement.bind(1, partition.tenant)
            statement.bind(2, partition.destination)
            guard try statement.step() else { return nil }
            return statement.optionalInt64(0).map(Timestamp.init(millisecondsSince1970:))
        }
    }

    public func commit(_ commit: DeliveryCommit) async throws {
        try await self.writer.write { connection in try Self.apply(commit, on: connection) }
    }

    /// Every commit in one write, so in one transaction: all or none.
    public func commitAll(_ commits: [DeliveryCommit]) async throws {
        if commits.isEmpty { return }
        try await self.writer.write { connection in
            for commit in commits { try Self.apply(commit, on: connection) }
        }
    }

    private static func apply(_ commit: DeliveryCommit, on connection: SQLiteConnection) throws {
        let rollup = AttemptRollup(commit.attempts)
        let partition = commit.partition
        // The last failure is kept until a later commit records another.
        let upsert = try connection.statement(
            """
            INSERT INTO partitions (tenant, destination, cursor, head_failures, failing_since, paused_until,
                last_failure_at, last_failure_code, last_failure_message, last_failure_status)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            ON CONFLICT (tenant, destination) DO UPDATE SET
                cursor = max(cursor, excluded.cursor), head_failures = excluded.head_failures,
                failing_since = excluded.failing_since, paused_until = excluded.paused_until,
                last_failure_at = coalesce(excluded.last_failure_at, last_failure_at),
                last_failure_code = CASE WHEN excluded.last_failure_at IS NULL THEN last_failure_code ELSE excluded.last_failure_code END,
                last_failure_message = CASE WHEN excluded.last_failure_at IS NULL THEN last_failure_message ELSE excluded.last_failure_message END,
                last_failure_status = CASE WHEN excluded.last_failure_at IS NULL THEN last_failure_status ELSE excluded.last_failure_status END
            """
        )
        upsert.bind(1, partition.tenant)
        upsert.bind(2, partition.destination)
        upsert.bind(3, commit.taken.max() ?? 0)
        upsert.bind(4, Int64(commit.state.headFailures))
        upsert.bind(5, commit.state.failingSince?.millisecondsSince1970)
        upsert.bind(6, commit.state.pausedUntil?.millisecondsSince1970)
        upsert.bind(7, rollup.lastFailure?.at.millisecondsSince1970)
        upsert.bind(8, rollup.lastFailure?.reason.code)
        upsert.bind(9, rollup.lastFailure?.reason.message)
        upsert.bind(10, rollup.lastFailure?.reason.status.map(Int64.init))
        try upsert.run()
        try Self.record(rollup, of: partition, on: connection)
        let insertAttempt = try connection.statement(
            """
            INSERT OR IGNORE INTO attempts (tenant, destination, seq, attempt, at, outcome, status, code, message, latency_ms)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            """
        )
        for attempt in commit.attempts {
            insertAttempt.reset()
            insertAttempt.bind(1, partition.tenant)
            insertAttempt.bind(2, partition.destination)
            insertAttempt.bind(3, attempt.sequence)
            insertAttempt.bind(4, Int64(attempt.attempt))
            insertAttempt.bind(5, attempt.at.millisecondsSince1970)
            insertAttempt.bind(6, attempt.outcome.rawValue)
            insertAttempt.bind(7, attempt.reason?.status.map(Int64.init))
            insertAttempt.bind(8, attempt.reason?.code)
            insertAttempt.bind(9, attempt.reason?.message)
            insertAttempt.bind(10, attempt.latencyMilliseconds)
            try insertAttempt.run()
        }
        let deleteRetry = try connection.statement("DELETE FROM retries WHERE tenant = ?1 AND destination = ?2 AND seq = ?3")
        for sequence in commit.finishedRetries {
            deleteRetry.reset()
            deleteRetry.bind(1, partition.tenant)
            deleteRetry.bind(2, partition.destination)
            deleteRetry.bind(3, sequence)
            try deleteRetry.run()
        }
        // A worker that read an event before its payload was erased must not bring it back:
        // the erasure parked it as a dead letter `erased`, and that stays.
        let upsertRetry = try connection.statement(
            """
            INSERT INTO retries
                (tenant, destination, seq, failures, next_attempt_at, first_failure_at, code, message, status)
            SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
            WHERE NOT EXISTS (SELECT 1 FROM events WHERE seq = ?3 AND erased_at IS NOT NULL)
            ON CONFLICT (tenant, destination, seq) DO UPDATE SET failures = excluded.failures,
                next_attempt_at = excluded.next_attempt_at, first_failure_at = excluded.first_failure_at,
                code = excluded.code, message = excluded.message, status = excluded.status
            """
        )
        for retry in commit.retries {
            upsertRetry.reset()
            upsertRetry.bind(1, partition.tenant)
            upsertRetry.bind(2, partition.destination)
            upsertRetry.bind(3, retry.sequence)
            upsertRetry.bind(4, Int64(retry.failures))
            upsertRetry.bind(5, retry.nextAttempt.millisecondsSince1970)
            upsertRetry.bind(6, retry.firstFailure.millisecondsSince1970)
            upsertRetry.bind(7, retry.reason.code)
            upsertRetry.bind(8, retry.reason.message)
            upsertRetry.bind(9, retry.reason.status.map(Int64.init))
            try upsertRetry.run()
        }
        let insertDead = try connection.statement(
            """
            INSERT INTO dead_letters
                (tenant, destination, seq, event_id, attempts, code, message, status, failed_at)
            SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
            WHERE NOT EXISTS (SELECT 1 FROM events WHERE seq = ?3 AND erased_at IS NOT NULL)
            ON CONFLICT (tenant, destination, seq) DO UPDATE SET event_id = excluded.event_id,
                attempts = excluded.attempts, code = excluded.code, message = excluded.message,
                status = excluded.status, failed_at = excluded.failed_at
            """
        )
        for dead in commit.deadLetters {
            insertDead.reset()
            insertDead.bind(1, partition.tenant)
            insertDead.bind(2, partition.destination)
            insertDead.bind(3, dead.sequence)
            insertDead.bind(4, dead.eventID)
            insertDead.bind(5, Int64(dead.attempts))
            insertDead.bind(6, dead.reason.code)
            insertDead.bind(7, dead.reason.message)
            insertDead.bind(8, dead.reason.status.map(Int64.init))
            insertDead.bind(9, dead.failedAt.millisecondsSince1970)
            try insertDead.run()
        }
    }

    /// One process owns the file: every partition is this instance's.
    public var coordination: StoreCoordination { .exclusive }

    public func lease(_ partitions: Set<PartitionKey>) async throws -> LeaseGrant {
        LeaseGrant(held: partitions, share: .max)
    }

    public func releaseLeases(_ partitions: Set<PartitionKey>, leaving: Bool) async throws {}

    /// Every event arrives through this process, whose ingest wakes its workers directly.
    public func remoteArrivals() -> AsyncStream<String> {
        AsyncStream { continuation in continuation.finish() }
    }

    /// The event of a row (seq, id, type, occurred, received, properties). A row that cannot be
    /// read (unknown type, damaged compression, properties that are not a JSON object) comes
    /// back marked `unreadable` instead of failing the whole read, so one bad row never stalls
    /// its partition.
    static func storedEvent(_ statement: SQLiteStatement, tenant: String, failures: Int, firstFailure: Timestamp?) -> StoredEvent {
        let sequence = statement.int64(0)
        let id = statement.string(1)
        let typeName = statement.string(2)
        let occurredAt = Timestamp(millisecondsSince1970: statement.int64(3))
        let receivedAt = Timestamp(millisecondsSince1970: statement.int64(4))
        func unreadable(_ problem: String) -> StoredEvent {
            StoredEvent.unreadable(
                sequence: sequence,
                id: id,
                tenant: tenant,
                type: RetentionEventType(rawValue: typeName),
                occurredAt: occurredAt,
                receivedAt: receivedAt,
                problem: problem,
                failures: failures,
                firstFailure: firstFailure
            )
        }
        guard let type = RetentionEventType(rawValue: typeName) else { return unreadable("unknown event type \"\(typeName)\"") }
        let properties: [UInt8]
        do {
            properties = try StoredProperties.decode(statement.blob(5))
        } catch {
            return unreadable("\(error)")
        }
        // Ingest validated the text; a row changed since (disk damage, a hand edit) must not
        // reach a destination as anything less than what was accepted.
        if let problem = StoredEvent.problem(withProperties: properties) { return unreadable(problem) }
        let event = RetentionEvent(
            id: id,
            type: type,
            tenant: tenant,
            occurredAt: occurredAt,
            receivedAt: receivedAt,
            encodedProperties: properties
        )
        return StoredEvent(sequence: sequence, event: event, failures: failures, firstFailure: firstFailure)
    }
}

/// One event prepared for insertion, serialized before entering the writer queue.
private struct PendingRow: Sendable {
    let event: RetentionEvent
    let properties: [UInt8]
    let destinations: [String]
}
