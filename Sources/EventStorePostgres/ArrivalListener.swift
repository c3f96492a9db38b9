import Logging
import PostgresNIO
import RouterCore

/// Listens on the arrival channel over a connection of its own and yields the tenants other
/// instances stored events for; reconnects with backoff when the connection drops. Workers
/// also poll, so a notification missed while reconnecting only delays delivery.
struct ArrivalListener: Sendable {
    let url: PostgresURL
    let instanceID: String
    let logger: Logger
    let continuation: AsyncStream<String>.Continuation

    func run() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let configuration = try self.url.connectionConfiguration()
                var quiet = self.logger
                quiet.logLevel = max(quiet.logLevel, .warning)
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: quiet)
                defer { Task { try? await connection.close() } }
                failures = 0
                try await connection.listen(on: PostgresSchema.arrivalChannel) { notifications in
                    for try await notification in notifications {
                        guard let separator = notification.payload.firstIndex(of: "\t") else { continue }
                        guard notification.payload[..<separator] != self.instanceID else { continue }
                        self.continuation.yield(String(notification.payload[notification.payload.index(after: separator)...]))
                    }
                }
                // The server ended the stream: reconnect after a pause.
                try await Task.sleep(for: .milliseconds(500))
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let wait = min(ExponentialJitterRetryPolicy.standard.delay(afterFailures: failures), .seconds(30))
                self.logger.warning(
                    "Lost the PostgreSQL arrival notifications; workers poll until they are back",
                    metadata: ["error": "\(PostgresStoreError.describe(error))", "retry.in": "\(wait)"]
                )
                try? await Task.sleep(for: wait)
            }
        }
    }
}
