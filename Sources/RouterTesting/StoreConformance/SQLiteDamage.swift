import CSQLite
import Foundation

/// Damages a SQLite store's rows on purpose, through a connection of its own.
enum SQLiteDamage {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `sql` on the database through a connection of its own, waiting up to 5 s for the
    /// store's writer.
    static func execute(database: String, sql: String) throws {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(database, &handle, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let handle else {
            throw Failure(description: "cannot open \(database)")
        }
        defer { sqlite3_close_v2(handle) }
        sqlite3_busy_timeout(handle, 5000)
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            throw Failure(description: "\(sql): \(String(cString: sqlite3_errmsg(handle)))")
        }
    }

    /// Sets `events.properties` of one event to `bytes` (a blob), waiting up to 5 s for the
    /// store's own writer.
    static func overwriteProperties(database: String, tenant: String, id: String, with bytes: [UInt8]) throws {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(database, &handle, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let handle else {
            throw Failure(description: "cannot open \(database)")
        }
        defer { sqlite3_close_v2(handle) }
        sqlite3_busy_timeout(handle, 5000)
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let quote = { (text: String) in "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        let sql = "UPDATE events SET properties = x'\(hex)' WHERE tenant = \(quote(tenant)) AND id = \(quote(id))"
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK, sqlite3_changes(handle) == 1 else {
            throw Failure(description: "cannot damage \(tenant)/\(id): \(String(cString: sqlite3_errmsg(handle)))")
        }
    }
}
