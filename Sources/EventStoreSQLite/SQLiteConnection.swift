import CSQLite

/// One SQLite connection with a cache of prepared statements.
///
/// Not thread-safe: each connection is owned by one `SQLiteExecutor` and used only on its queue.
final class SQLiteConnection {
    fileprivate let handle: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]
    private var used: [SQLiteStatement] = []

    init(path: String) throws(SQLiteError) {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let result = sqlite3_open_v2(path, &handle, flags, nil)
        guard result == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw SQLiteError(code: result, message: "cannot open \(path): \(message)")
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, 10_000)
    }

    deinit {
        self.statements.removeAll()
        sqlite3_close_v2(self.handle)
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let result = sqlite3_exec(self.handle, sql, nil, nil, &message)
        guard result == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(message)
            throw SQLiteError(code: result, message: text)
        }
    }

    /// A prepared statement for `sql`, reset and ready to bind; cached for reuse.
    func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = self.statements[sql] {
            cached.reset()
            self.used.append(cached)
            return cached
        }
        var pointer: OpaquePointer?
        let result = sqlite3_prepare_v3(self.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        guard result == SQLITE_OK, let pointer else {
            throw self.error(result, "prepare")
        }
        let statement = SQLiteStatement(pointer: pointer, connection: self)
        self.statements[sql] = statement
        self.used.append(statement)
        return statement
    }

    /// Resets every statement used since the last call, ending the implicit read transaction a
    /// stepped statement holds open (which would otherwise pin an old WAL snapshot).
    func resetUsedStatements() {
        for statement in self.used { statement.reset() }
        self.used.removeAll(keepingCapacity: true)
    }

    /// True outside an explicit transaction (`BEGIN` … `COMMIT`).
    var isAutocommit: Bool { sqlite3_get_autocommit(self.handle) != 0 }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(self.handle)) }

    func error(_ code: Int32, _ action: String) -> SQLiteError {
        SQLiteError(code: code, message: "\(action): \(String(cString: sqlite3_errmsg(self.handle)))")
    }
}

/// A prepared statement. Binding indices start at 1, column indices at 0.
final class SQLiteStatement {
    private let pointer: OpaquePointer
    private unowned let connection: SQLiteConnection

    init(pointer: OpaquePointer, connection: SQLiteConnection) {
        self.pointer = pointer
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(self.pointer)
    }

    func reset() {
        sqlite3_reset(self.pointer)
        sqlite3_clear_bindings(self.pointer)
    }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value {
            sqlite3_bind_int64(self.pointer, index, value)
        } else {
            sqlite3_bind_null(self.pointer, index)
        }
    }

    func bind(_ index: Int32, _ value: String?) {
        if let value {
            // The explicit length keeps text with an interior NUL whole.
            sqlite3_bind_text(self.pointer, index, value, Int32(value.utf8.count), csqlite_transient())
        } else {
            sqlite3_bind_null(self.pointer, index)
        }
    }

    func bind(_ index: Int32, blob: [UInt8]) {
        blob.withUnsafeBytes { buffer in
            _ = sqlite3_bind_blob(self.pointer, index, buffer.baseAddress, Int32(buffer.count), csqlite_transient())
        }
    }

    /// Steps once; true when a row is available.
    @discardableResult
    func step() throws(SQLiteError) -> Bool {
        let result = sqlite3_step(self.pointer)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw self.connection.error(result, "step")
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws(SQLiteError) {
        try self.step()
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(self.pointer, column) }

    func optionalInt64(_ column: Int32) -> Int64? {
        sqlite3_column_type(self.pointer, column) == SQLITE_NULL ? nil : sqlite3_column_int64(self.pointer, column)
    }

    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(self.pointer, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(self.pointer, column))), as: UTF8.self)
    }

    func optionalString(_ column: Int32) -> String? {
        sqlite3_column_type(self.pointer, column) == SQLITE_NULL ? nil : self.string(column)
    }

    func blob(_ column: Int32) -> UnsafeRawBufferPointer {
        let count = Int(sqlite3_column_bytes(self.pointer, column))
        guard let base = sqlite3_column_blob(self.pointer, column), count > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base, count: count)
    }
}

extension SQLiteConnection {
    /// The rowid of the last inserted row.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(self.handle) }
}
