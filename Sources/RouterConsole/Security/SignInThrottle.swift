import RouterCore
import Synchronization

/// Counts wrong sign-in tokens per caller address: after `limit` wrong tries within `window`,
/// the address is refused (429) until the oldest try leaves the window.
///
/// Bounded: at most `maxAddresses` addresses are tracked; the stalest are forgotten first.
public final class SignInThrottle: Sendable {
    private let failures = Mutex<[String: [Int64]]>([:])
    private let limit: Int
    private let windowMilliseconds: Int64
    private let maxAddresses: Int

    /// Creates a throttle: `limit` wrong tries per `window` seconds per address.
    public init(limit: Int = 5, windowSeconds: Int64 = 60, maxAddresses: Int = 10_000) {
        self.limit = limit
        self.windowMilliseconds = windowSeconds * 1000
        self.maxAddresses = maxAddresses
    }

    /// When `address` may try again; nil when it may try now.
    public func retryAfter(_ address: String, now: Timestamp) -> Int64? {
        self.failures.withLock { failures in
            let recent = (failures[address] ?? []).filter { now.millisecondsSince1970 - $0 < self.windowMilliseconds }
            failures[address] = recent.isEmpty ? nil : recent
            guard recent.count >= self.limit, let oldest = recent.first else { return nil }
            return max(1, (oldest + self.windowMilliseconds - now.millisecondsSince1970 + 999) / 1000)
        }
    }

    /// Records a wrong token from `address`.
    public func recordFailure(_ address: String, now: Timestamp) {
        self.failures.withLock { failures in
            if failures[address] == nil, failures.count >= self.maxAddresses {
                let stalest = failures.min { ($0.value.last ?? 0) < ($1.value.last ?? 0) }?.key
                if let stalest { failures[stalest] = nil }
            }
            failures[address, default: []].append(now.millisecondsSince1970)
        }
    }
}
