import HTTPTypes
import RouterCore

/// Decides whether ingest may accept more: refuses with 503 and `Retry-After` when the store or a
/// tenant's backlog is over its ceiling, instead of acknowledging what it cannot keep.
struct IngestAdmission: Sendable {
    let monitor: StoreMonitor
    let maxStoreBytes: Int64
    let maxBacklogEventsPerTenant: Int
    let rateLimiter = RateLimiter()

    init(monitor: StoreMonitor, configuration: ServerConfiguration) {
        self.monitor = monitor
        self.maxStoreBytes = configuration.maxStoreBytes
        self.maxBacklogEventsPerTenant = configuration.maxBacklogEventsPerTenant
    }

    /// The error to answer with, or nil to go ahead. Uses statistics at most a few seconds old.
    func refusal(tenant: String) -> APIError? {
        guard let statistics = self.monitor.statistics else { return nil }
        if statistics.bytes >= self.maxStoreBytes {
            return APIError(
                .serviceUnavailable,
                code: "store_full",
                message: "the event store holds \(statistics.bytes) bytes, at its limit of \(self.maxStoreBytes); retry once destinations catch up",
                headers: [.retryAfter: "30"]
            )
        }
        let backlog = self.monitor.backlog(tenant: tenant)
        if backlog >= self.maxBacklogEventsPerTenant {
            return APIError(
                .serviceUnavailable,
                code: "backlog_full",
                message: "tenant \(tenant) has \(backlog) undelivered events, at its limit of \(self.maxBacklogEventsPerTenant); retry once its destinations catch up",
                headers: [.retryAfter: "30"]
            )
        }
        return nil
    }
}
