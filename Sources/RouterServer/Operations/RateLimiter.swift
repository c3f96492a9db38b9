import RouterCore
import Synchronization

/// Per-tenant token buckets for the optional `rateLimit` of a tenant: a bucket holds at most
/// `burst` tokens and refills at `eventsPerSecond`; each event takes one.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let buckets = Mutex<[String: Bucket]>([:])

    /// Takes `count` tokens for `tenant` at `now`; returns nil when allowed, or how long to wait.
    /// (Ingest refuses a batch larger than the burst before asking: it could never be admitted.)
    func admit(tenant: String, count: Int, limit: TenantConfiguration.RateLimit, now: ContinuousClock.Instant = .now) -> Duration? {
        self.buckets.withLock { buckets in
            var bucket = buckets[tenant] ?? Bucket(tokens: Double(limit.burst), updated: now)
            let elapsed = now - bucket.updated
            let refill = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * limit.eventsPerSecond
            bucket.tokens = min(Double(limit.burst), bucket.tokens + refill)
            bucket.updated = now
            defer { buckets[tenant] = bucket }
            if bucket.tokens >= Double(count) {
                bucket.tokens -= Double(count)
                return nil
            }
            let missing = Double(count) - bucket.tokens
            let milliseconds = min((missing / limit.eventsPerSecond * 1000).rounded(.up), 86_400_000)
            return .milliseconds(Int64(milliseconds))
        }
    }
}
