import Dispatch

/// Owns one connection and runs work on it on a private serial queue, off the event loops and
/// the Swift concurrency pool (SQLite calls block on disk I/O).
///
/// `@unchecked Sendable`: the connection is touched only inside blocks submitted to `queue`,
/// which runs them one at a time.
final class SQLiteExecutor: @unchecked Sendable {
    private let queue: DispatchQueue
    private let connection: SQLiteConnection

    init(label: String, connection: SQLiteConnection) {
        self.queue = DispatchQueue(label: label)
        self.connection = connection
    }

    /// Runs `body` on the connection and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            self.queue.async {
                let result = Result { try body(self.connection) }
                self.connection.resetUsedStatements()
                continuation.resume(with: result)
            }
        }
    }

    /// Runs `body` on the queue without waiting (for the group-commit loop).
    func submit(_ body: @escaping @Sendable (SQLiteConnection) -> Void) {
        self.queue.async {
            body(self.connection)
        }
    }
}
