/// What one commit adds to its partition's per-minute delivery totals and last failure, worked
/// out from the commit's attempts before the transaction, so the store writes one row per minute
/// rather than one per attempt.
public struct AttemptRollup: Sendable, Equatable {
    /// One minute's additions.
    public struct Minute: Sendable, Equatable {
        /// The minute's start, in milliseconds since 1970.
        public var start: Int64
        /// Attempts that delivered.
        public var delivered: Int64 = 0
        /// Attempts that failed (retry or rejected).
        public var failed: Int64 = 0
        /// Attempts per `LatencyBuckets` bucket.
        public var latency = [Int64](repeating: 0, count: LatencyBuckets.count)
    }

    /// The minutes the attempts fall in, oldest first.
    public var minutes: [Minute]
    /// The last failed attempt, when there is one.
    public var lastFailure: AttemptFailure?

    /// Sums `attempts` by minute.
    public init(_ attempts: [AttemptRecord]) {
        var minutes: [Int64: Minute] = [:]
        var lastFailure: AttemptFailure?
        for attempt in attempts {
            let start = Self.minuteStart(attempt.at)
            var minute = minutes[start] ?? Minute(start: start)
            switch attempt.outcome {
            case .delivered:
                minute.delivered += 1
            case .retry, .rejected:
                minute.failed += 1
                if lastFailure.map({ attempt.at >= $0.at }) ?? true {
                    let reason = attempt.reason ?? FailureReason(code: "unknown", message: "the attempt recorded no reason")
                    lastFailure = AttemptFailure(at: attempt.at, reason: reason)
                }
            }
            minute.latency[LatencyBuckets.index(of: attempt.latencyMilliseconds)] += 1
            minutes[start] = minute
        }
        self.minutes = minutes.values.sorted { $0.start < $1.start }
        self.lastFailure = lastFailure
    }

    /// The start of the minute `time` falls in, in milliseconds since 1970.
    public static func minuteStart(_ time: Timestamp) -> Int64 {
        let milliseconds = time.millisecondsSince1970
        return milliseconds - ((milliseconds % 60_000) + 60_000) % 60_000
    }

    /// How long the per-minute totals are kept: pruning deletes older minutes.
    public static let retention: Duration = .seconds(2 * 86_400)
}
