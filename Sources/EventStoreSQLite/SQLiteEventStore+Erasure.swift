import Logging
import RouterCore
import Synchronization

/// Erasing payloads: one event, or a tenant's events by a property value, and the clean-up that
/// takes the old bytes out of the write-ahead log.
extension SQLiteEventStore {
    public func erasePayload(tenant: String, id: String, now: Timestamp) async throws -> ErasureResult? {
        let result = try await self.writer.write { connection -> ErasureResult? in
            let lookup = try connection.statement("SELECT seq, destinations, erased_at FROM events WHERE tenant = ?1 AND id = ?2")
            lookup.bind(1, tenant)
            lookup.bind(2, id)
            guard try lookup.step() else { return nil }
            let sequence = lookup.int64(0)
            let destinations = SQLiteErasure.destinations(lookup.string(1))
            let erasedBefore = lookup.optionalInt64(2)
            lookup.reset()
            if let erasedBefore {
                return ErasureResult(
                    id: id,
                    sequence: sequence,
                    erasedAt: Timestamp(millisecondsSince1970: erasedBefore),
                    alreadyErased: true,
                    deadLettered: []
                )
            }
            let erasure = try SQLiteErasure(connection: connection, tenant: tenant, now: now)
            let parked = try erasure.erase(sequence: sequence, id: id, destinations: destinations)
            try erasure.advanceCursors(past: parked.atHead)
            let partitions = parked.all.map { PartitionKey(tenant: tenant, destination: $0) }
            return ErasureResult(id: id, sequence: sequence, erasedAt: now, alreadyErased: false, deadLettered: Set(partitions))
        }
        if let result, !result.alreadyErased {
            self.remnantsPending.withLock { $0 = true }
            try await self.purgeErasedRemnants()
        }
        return result
    }

    public func erasePayloads(
        tenant: String,
        matching match: PropertyValueMatch,
        after: Int64,
        limit: Int,
        dryRun: Bool,
        now: Timestamp
    ) async throws -> ErasureProgress {
        let limit = max(1, limit)
        // A dry run only reads: on the operators' reading connection, beside the writer.
        if dryRun {
            return try await self.reader.run { connection in
                try SQLiteErasure.step(connection, tenant: tenant, match: match, after: after, limit: limit, erase: false, now: now)
            }
        }
        let progress = try await self.writer.write { connection in
            try SQLiteErasure.step(connection, tenant: tenant, match: match, after: after, limit: limit, erase: true, now: now)
        }
        if progress.matched > 0 { self.remnantsPending.withLock { $0 = true } }
        return progress
    }

    public func purgeErasedRemnants() async throws {
        self.remnantsPending.withLock { $0 = false }
        let done: Bool
        do {
            done = try await self.checkpoint()
        } catch {
            self.remnantsPending.withLock { $0 = true }
            throw error
        }
        if !done {
            self.remnantsPending.withLock { $0 = true }
            self.logger.warning("The write-ahead log could not be emptied after an erasure (a reader was busy); trying again at the next prune")
        }
    }

    /// Copies the write-ahead log into the database file and truncates the log to zero bytes
    /// (`PRAGMA wal_checkpoint(TRUNCATE)`), on the writer's connection between transactions.
    ///
    /// - Returns: false when a reader kept it from finishing within the busy timeout.
    public func checkpoint() async throws -> Bool {
        try await self.writer.outsideTransaction { connection in
            // A statement still stepped on this connection (the schema check at open leaves one
            // until the first job's end) makes the checkpoint fail with SQLITE_LOCKED.
            connection.resetUsedStatements()
            let statement = try connection.statement("PRAGMA wal_checkpoint(TRUNCATE)")
            guard try statement.step() else { return false }
            return statement.int64(0) == 0
        }
    }
}
