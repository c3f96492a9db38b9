import CSQLite
import RouterCore

/// Counts a SQLite store's backlog and dead letters afresh, through a connection of its own,
/// with the whole-table counts the store kept before it kept counters.
enum SQLiteRecount {
    /// Per partition: routes after the cursor plus retries, and dead letters.
    static func partitions(database: String) throws -> [PartitionKey: StoreStatistics.Partition] {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(database, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK, let handle else {
            throw SQLiteDamage.Failure(description: "cannot open \(database)")
        }
        defer { sqlite3_close_v2(handle) }
        sqlite3_busy_timeout(handle, 5000)
        let sql = """
            SELECT p.tenant, p.destination,
                (SELECT count(*) FROM routes r WHERE r.tenant = p.tenant AND r.destination = p.destination AND r.seq > p.cursor)
                    + (SELECT count(*) FROM retries t WHERE t.tenant = p.tenant AND t.destination = p.destination),
                (SELECT count(*) FROM dead_letters d WHERE d.tenant = p.tenant AND d.destination = p.destination)
            FROM partitions p
            """
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw SQLiteDamage.Failure(description: "cannot count: \(String(cString: sqlite3_errmsg(handle)))")
        }
        defer { sqlite3_finalize(statement) }
        var counts: [PartitionKey: StoreStatistics.Partition] = [:]
        while true {
            let result = sqlite3_step(statement)
            guard result == SQLITE_ROW else {
                guard result == SQLITE_DONE else { throw SQLiteDamage.Failure(description: "cannot count: \(String(cString: sqlite3_errmsg(handle)))") }
                return counts
            }
            let tenant = String(cString: sqlite3_column_text(statement, 0))
            let destination = String(cString: sqlite3_column_text(statement, 1))
            counts[PartitionKey(tenant: tenant, destination: destination)] = .init(
                backlog: Int(sqlite3_column_int64(statement, 2)),
                deadLetters: Int(sqlite3_column_int64(statement, 3))
            )
        }
    }
}
