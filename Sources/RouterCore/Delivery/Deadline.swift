/// Thrown by `withDeadline` when the operation took longer than allowed.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    /// The time allowed.
    public var limit: Duration

    public var description: String { "no answer within \(self.limit)" }
}

/// Runs `operation`, cancelling it and throwing `DeadlineExceeded` when it takes longer than
/// `limit`.
public func withDeadline<Result: Sendable>(
    _ limit: Duration,
    _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
            throw DeadlineExceeded(limit: limit)
        }
        return result
    }
}
