/// When to try a failed delivery again, and when to give up and dead-letter it.
///
/// Implementations are pure values: no clocks, no I/O.
public protocol RetryPolicy: Sendable {
    /// The wait after `failures` consecutive failed attempts (1 after the first failure).
    func delay(afterFailures failures: Int) -> Duration
    /// True when an event that has failed `failures` times, first at `firstFailure`, should
    /// become a dead letter now.
    func shouldGiveUp(failures: Int, firstFailure: Timestamp, now: Timestamp) -> Bool
}

/// Exponential backoff with jitter, bounded by a cap, an attempt count and a total duration.
///
/// The delay after n failures is `min(base · 2^(n-1), cap)` plus up to `jitter` of it at random.
public struct ExponentialJitterRetryPolicy: RetryPolicy, Equatable {
    /// The first delay.
    public var base: Duration
    /// The longest delay.
    public var cap: Duration
    /// The share of the delay added at random, 0...1.
    public var jitter: Double
    /// Give up after this many failed attempts; nil for no limit.
    public var maxAttempts: Int?
    /// Give up this long after the first failure; nil for no limit.
    public var giveUpAfter: Duration?

    /// Creates a policy.
    public init(base: Duration, cap: Duration, jitter: Double = 0.1, maxAttempts: Int? = nil, giveUpAfter: Duration? = nil) {
        self.base = base
        self.cap = cap
        self.jitter = jitter
        self.maxAttempts = maxAttempts
        self.giveUpAfter = giveUpAfter
    }

    /// 0.5 s doubling to 5 minutes, +10% jitter, for up to 12 hours (as Segment's libraries).
    public static var standard: Self {
        .init(base: .milliseconds(500), cap: .seconds(300), jitter: 0.1, maxAttempts: nil, giveUpAfter: .seconds(12 * 3600))
    }

    public func delay(afterFailures failures: Int) -> Duration {
        let exponent = min(max(failures - 1, 0), 40)
        let baseSeconds = Self.seconds(self.base)
        let capSeconds = Self.seconds(self.cap)
        let seconds = min(baseSeconds * Double(UInt64(1) << UInt64(exponent)), capSeconds)
        let jittered = seconds * (1 + Double.random(in: 0...max(self.jitter, 0)))
        return .milliseconds(Int64(jittered * 1000))
    }

    public func shouldGiveUp(failures: Int, firstFailure: Timestamp, now: Timestamp) -> Bool {
        if let maxAttempts = self.maxAttempts, failures >= maxAttempts { return true }
        if let giveUpAfter = self.giveUpAfter, now.duration(since: firstFailure) >= giveUpAfter { return true }
        return false
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// A fixed schedule of waits (e.g. 5 s, 5 min, 30 min, ...) with ± jitter; gives up when the
/// schedule runs out.
public struct ScheduledRetryPolicy: RetryPolicy, Equatable {
    /// The wait after the first, second, ... failure.
    public var delays: [Duration]
    /// The share of each wait added or removed at random, 0...1.
    public var jitter: Double

    /// Creates a policy; `delays` must not be empty.
    public init(delays: [Duration], jitter: Double = 0.2) {
        precondition(!delays.isEmpty, "a retry schedule needs at least one delay")
        self.delays = delays
        self.jitter = jitter
    }

    public func delay(afterFailures failures: Int) -> Duration {
        let index = min(max(failures - 1, 0), self.delays.count - 1)
        let seconds = ExponentialJitterRetryPolicy.seconds(self.delays[index])
        let factor = 1 + Double.random(in: -self.jitter...self.jitter)
        return .milliseconds(Int64(max(seconds * factor, 0) * 1000))
    }

    public func shouldGiveUp(failures: Int, firstFailure: Timestamp, now: Timestamp) -> Bool {
        failures > self.delays.count
    }
}
