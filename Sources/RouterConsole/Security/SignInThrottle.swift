import RouterCore
import Synchronization

/// Counts sign-in attempts per caller address: after `limit` wrong tries within `window`, the
/// address is refused (429) until the oldest try leaves the window.
///
/// An attempt is reserved before its token is checked (`begin`) and given back only when the
/// token was right (`succeeded`), so many requests sent at once cannot all slip past the limit.
/// Bounded: at most `maxAddresses` addresses are tracked; the stalest are forgotten first.
public final class SignInThrottle: Sendable {
    private let attempts = Mutex<[String: [Int64]]>([:])
    private let limit: Int
    private let windowMilliseconds: Int64
    private let maxAddresses: Int

    /// Creates a throttle: `limit` wrong tries per `window` seconds per address.
    public init(limit: Int = 5, windowSeconds: Int64 = 60, maxAddresses: Int = 10_000) {
        self.limit = limit
        self.windowMilliseconds = windowSeconds * 1000
        self.maxAddresses = maxAddresses
    }

    /// Reserves an attempt for `address`; returns how many seconds to wait instead when the
    /// address has used up its tries (nothing is reserved then).
    public func begin(_ address: String, now: Timestamp) -> Int64? {
        self.attempts.withLock { attempts in
            let recent = (attempts[address] ?? []).filter { now.millisecondsSince1970 - $0 < self.windowMilliseconds }
            if recent.count >= self.limit, let oldest = recent.first {
                attempts[address] = recent
                return max(1, (oldest + self.windowMilliseconds - now.millisecondsSince1970 + 999) / 1000)
            }
            if attempts[address] == nil, attempts.count >= self.maxAddresses {
                let stalest = attempts.min { ($0.value.last ?? 0) < ($1.value.last ?? 0) }?.key
                if let stalest { attempts[stalest] = nil }
            }
            attempts[address] = recent + [now.millisecondsSince1970]
            return nil
        }
    }

    /// Gives back the attempt reserved at `now`: the token was right.
    public func succeeded(_ address: String, now: Timestamp) {
        self.attempts.withLock { attempts in
            guard var list = attempts[address], let index = list.lastIndex(of: now.millisecondsSince1970) else { return }
            list.remove(at: index)
            attempts[address] = list.isEmpty ? nil : list
        }
    }
}
