/// Thrown by `withDeadline` and `withAnswer` when the operation took longer than allowed.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    /// The time allowed.
    public var limit: Duration

    public var description: String { "no answer within \(self.limit)" }
}

/// Runs `operation`, throwing `DeadlineExceeded` once it has taken longer than `limit`.
///
/// The caller gets its answer at the deadline even when the operation ignores cancellation (a
/// driver waiting on a dead connection): the operation is cancelled and left to finish on its
/// own, and its late result is dropped. The deadline is kept by `DeadlineSweeper.shared`, to
/// within its 100 ms tick.
public func withDeadline<Result: Sendable>(
    _ limit: Duration,
    _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    let work = Task { try await operation() }
    do {
        return try await withAnswer(within: limit) { answer in
            Task { answer.resume(with: await work.result) }
        }
    } catch {
        // The deadline or cancellation came first: stop the operation; its late result is dropped.
        work.cancel()
        throw error
    }
}
