import Foundation
import Logging
import RouterCore
import Synchronization

/// The operator's queries: event status, dead letters, replay, statistics and pruning.
extension SQLiteEventStore {
    public func deadLetters(tenant: String, query: DeadLetterQuery) async throws -> [DeadLetterRecord] {
        try await self.reader.run { connection in
            let statement = try connection.statement(
                """
                SELECT destination, seq, event_id, attempts, code, message, status, failed_at FROM dead_letters
                WHERE tenant = ?1 AND (?2 IS NULL OR destination = ?2)
                  AND (?3 IS NULL OR failed_at >= ?3) AND (?4 IS NULL OR failed_at < ?4)
                  AND (?5 IS NULL OR seq < ?5 OR (seq = ?5 AND destination > ?7)) AND (?8 IS NULL OR code = ?8)
                ORDER BY seq DESC, destination LIMIT ?6
                """
            )
            statement.bind(1, tenant)
            statement.bind(2, query.destination)
            statement.bind(3, query.since?.millisecondsSince1970)
            statement.bind(4, query.until?.millisecondsSince1970)
            statement.bind(5, query.after?.sequence)
            statement.bind(7, query.after?.destination)
            statement.bind(8, query.reason)
            statement.bind(6, Int64(max(1, min(query.limit, 1000))))
            var records: [DeadLetterRecord] = []
            while try statement.step() {
                records.append(
                    DeadLetterRecord(
                        partition: PartitionKey(tenant: tenant, destination: statement.string(0)),
                        sequence: statement.int64(1),
                        eventID: statement.string(2),
                        attempts: Int(statement.int64(3)),
                        reason: FailureReason(code: statement.string(4), message: statement.string(5), status: statement.optionalInt64(6).map { Int($0) }),
                        failedAt: Timestamp(millisecondsSince1970: statement.int64(7))
                    )
                )
            }
            return records
        }
    }

    public func status(tenant: String, id: String) async throws -> EventStatus? {
        try await self.reader.run { connection in
            let lookup = try connection.statement(
                "SELECT seq, id, type, occurred_at, received_at, properties, destinations, erased_at FROM events WHERE tenant = ?1 AND id = ?2"
            )
            lookup.bind(1, tenant)
            lookup.bind(2, id)
            guard try lookup.step() else { return nil }
            // An erased row's tombstone reads as no properties; `erasedAt` says why.
            let stored = Self.storedEvent(lookup, tenant: tenant, failures: 0, firstFailure: nil)
            let erasedAt = lookup.optionalInt64(7).map(Timestamp.init(millisecondsSince1970:))
            let destinations = lookup.string(6).split(separator: ",").map(String.init).sorted()
            var views: [EventStatus.Destination] = []
            for destination in destinations {
                views.append(try Self.destinationStatus(connection, tenant: tenant, destination: destination, sequence: stored.sequence))
            }
            return EventStatus(event: stored.event, sequence: stored.sequence, destinations: views, erasedAt: erasedAt)
        }
    }

    private static func destinationStatus(_ connection: SQLiteConnection, tenant: String, destination: String, sequence: Int64) throws -> EventStatus.Destination {
        let attemptsQuery = try connection.statement(
            """
            SELECT attempt, at, outcome, status, code, message, latency_ms FROM attempts
            WHERE tenant = ?1 AND destination = ?2 AND seq = ?3 ORDER BY at, attempt
            """
        )
        attemptsQuery.bind(1, tenant)
        attemptsQuery.bind(2, destination)
        attemptsQuery.bind(3, sequence)
        var attempts: [AttemptRecord] = []
        while try attemptsQuery.step() {
            let reason = attemptsQuery.optionalString(4).map { code in
                FailureReason(code: code, message: attemptsQuery.optionalString(5) ?? "", status: attemptsQuery.optionalInt64(3).map { Int($0) })
            }
            attempts.append(
                AttemptRecord(
                    sequence: sequence,
                    attempt: Int(attemptsQuery.int64(0)),
                    at: Timestamp(millisecondsSince1970: attemptsQuery.int64(1)),
                    outcome: AttemptRecord.Outcome(rawValue: attemptsQuery.string(2)) ?? .retry,
                    reason: reason,
                    latencyMilliseconds: attemptsQuery.int64(6)
                )
            )
        }
        let dead = try connection.statement("SELECT code, message, status FROM dead_letters WHERE tenant = ?1 AND destination = ?2 AND seq = ?3")
        dead.bind(1, tenant)
        dead.bind(2, destination)
        dead.bind(3, sequence)
        if try dead.step() {
            let reason = FailureReason(code: dead.string(0), message: dead.string(1), status: dead.optionalInt64(2).map { Int($0) })
            return .init(id: destination, state: .dead, attempts: attempts, deadReason: reason)
        }
        let retry = try connection.statement("SELECT next_attempt_at FROM retries WHERE tenant = ?1 AND destination = ?2 AND seq = ?3")
        retry.bind(1, tenant)
        retry.bind(2, destination)
        retry.bind(3, sequence)
        if try retry.step() {
            return .init(id: destination, state: .retrying(next: Timestamp(millisecondsSince1970: retry.int64(0))), attempts: attempts, deadReason: nil)
        }
        let partition = try connection.statement("SELECT cursor, paused_until FROM partitions WHERE tenant = ?1 AND destination = ?2")
        partition.bind(1, tenant)
        partition.bind(2, destination)
        var cursor: Int64 = 0
        var pausedUntil: Timestamp?
        if try partition.step() {
            cursor = partition.int64(0)
            pausedUntil = partition.optionalInt64(1).map(Timestamp.init(millisecondsSince1970:))
        }
        if sequence <= cursor {
            return .init(id: destination, state: .delivered, attempts: attempts, deadReason: nil)
        }
        return .init(id: destination, state: attempts.isEmpty ? .pending : .retrying(next: pausedUntil), attempts: attempts, deadReason: nil)
    }

    public func statistics() async throws -> StoreStatistics {
        let path = self.path
        return try await self.reader.run { connection in
            // The counts each partition keeps as its rows change (schema version 6): one row per
            // partition read, however many events wait.
            let statement = try connection.statement("SELECT tenant, destination, backlog, dead_letters FROM partitions")
            var partitions: [PartitionKey: StoreStatistics.Partition] = [:]
            while try statement.step() {
                partitions[PartitionKey(tenant: statement.string(0), destination: statement.string(1))] = .init(
                    backlog: Int(statement.int64(2)),
                    deadLetters: Int(statement.int64(3))
                )
            }
            var bytes: Int64 = 0
            for file in [path, path + "-wal"] {
                if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber {
                    bytes += size.int64Value
                }
            }
            return StoreStatistics(partitions: partitions, bytes: bytes)
        }
    }

    public func prune(receivedBefore cutoff: Timestamp, after: Int64, limit: Int) async throws -> PruneProgress {
        let now = Timestamp.now()
        // Once per scan: an erasure whose clean-up could not finish is cleaned up now.
        if after == 0, self.remnantsPending.withLock({ $0 }) {
            do {
                try await self.purgeErasedRemnants()
            } catch {
                self.logger.error("Cleaning up after an erasure failed", metadata: ["error": "\(error)"])
            }
        }
        return try await self.writer.write { connection in
            // Once per scan (each starts after 0): per-minute totals older than two days go too.
            if after == 0 { try Self.pruneMinutes(before: now, on: connection) }
            // The newest event is never pruned: SQLite hands out MAX(seq) + 1 for new rows, so
            // deleting the top row would reuse sequences at or below the cursors. The step looks
            // at `limit` events by sequence and stops at the first received at or after the
            // cutoff: events are stored in the order they are received, so the rest are younger
            // (one stored out of clock order waits for a later pass). Filtering by the time in
            // SQL instead would read every younger event to find none.
            let candidates = try connection.statement(
                """
                SELECT seq, tenant, destinations, received_at FROM events
                WHERE seq > ?2 AND seq < (SELECT MAX(seq) FROM events)
                ORDER BY seq LIMIT ?1
                """
            )
            candidates.bind(1, Int64(limit))
            candidates.bind(2, after)
            var rows: [(sequence: Int64, tenant: String, destinations: [String])] = []
            var reachedCutoff = false
            while try candidates.step() {
                guard candidates.int64(3) < cutoff.millisecondsSince1970 else {
                    reachedCutoff = true
                    break
                }
                rows.append((candidates.int64(0), candidates.string(1), candidates.string(2).split(separator: ",").map(String.init)))
            }
            candidates.reset()
            var cursors: [PartitionKey: Int64] = [:]
            let cursorQuery = try connection.statement("SELECT cursor FROM partitions WHERE tenant = ?1 AND destination = ?2")
            let retryQuery = try connection.statement("SELECT 1 FROM retries WHERE tenant = ?1 AND destination = ?2 AND seq = ?3")
            let deletes = try [
                "DELETE FROM routes WHERE tenant = ?1 AND destination = ?2 AND seq = ?3",
                "DELETE FROM attempts WHERE tenant = ?1 AND destination = ?2 AND seq = ?3",
                "DELETE FROM dead_letters WHERE tenant = ?1 AND destination = ?2 AND seq = ?3",
            ].map { try connection.statement($0) }
            let deleteEvent = try connection.statement("DELETE FROM events WHERE seq = ?1")
            var pruned = 0
            rowLoop: for row in rows {
                for destination in row.destinations {
                    let key = PartitionKey(tenant: row.tenant, destination: destination)
                    if cursors[key] == nil {
                        cursorQuery.reset()
                        cursorQuery.bind(1, row.tenant)
                        cursorQuery.bind(2, destination)
                        cursors[key] = try cursorQuery.step() ? cursorQuery.int64(0) : 0
                    }
                    guard let cursor = cursors[key], row.sequence <= cursor else { continue rowLoop }
                    retryQuery.reset()
                    retryQuery.bind(1, row.tenant)
                    retryQuery.bind(2, destination)
                    retryQuery.bind(3, row.sequence)
                    if try retryQuery.step() { continue rowLoop }
                }
                for destination in row.destinations {
                    for statement in deletes {
                        statement.reset()
                        statement.bind(1, row.tenant)
                        statement.bind(2, destination)
                        statement.bind(3, row.sequence)
                        try statement.run()
                    }
                }
                deleteEvent.reset()
                deleteEvent.bind(1, row.sequence)
                try deleteEvent.run()
                pruned += 1
            }
            return PruneProgress(pruned: pruned, next: reachedCutoff || rows.count < limit ? nil : rows.last?.sequence)
        }
    }
}
