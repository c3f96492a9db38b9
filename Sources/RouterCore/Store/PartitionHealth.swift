/// How one tenant × destination is doing: what the overview shows and `GET /v1/health/destinations` returns.
///
/// Every number is bounded in cost: counts stop at `PartitionHealth.countCap` (the page says
/// "10,000+"), and the delivery rates come from per-minute totals the store keeps as it commits,
/// never from a scan of the delivery record.
public struct PartitionHealth: Sendable, Equatable {
    /// Counts of waiting events and dead letters stop here.
    public static let countCap = 10_000

    /// Deliveries and failures in one minute.
    public struct Minute: Sendable, Equatable {
        /// The minute's start.
        public var start: Timestamp
        /// Events delivered in it.
        public var delivered: Int
        /// Failed attempts in it (retried or rejected).
        public var failed: Int
        /// Attempts per latency bucket (`LatencyBuckets.bounds`), weighted by event.
        public var latency: [Int]

        /// Creates a minute.
        public init(start: Timestamp, delivered: Int, failed: Int, latency: [Int]) {
            self.start = start
            self.delivered = delivered
            self.failed = failed
            self.latency = latency
        }
    }

    /// The partition.
    public var partition: PartitionKey
    /// Its head-failure bookkeeping (failing since, paused until).
    public var state: PartitionState
    /// Events waiting at the head, up to `countCap`.
    public var backlog: Int
    /// Events in the retry set, up to `countCap`.
    public var retrying: Int
    /// Dead letters, up to `countCap`.
    public var deadLetters: Int
    /// When the oldest event still waiting (at the head or in the retry set) was received: the
    /// first of each by sequence, so to within the moments concurrent ingest requests overlap.
    public var oldestWaiting: Timestamp?
    /// The last failed attempt, when there was one.
    public var lastFailure: AttemptFailure?
    /// Per-minute totals from the minute `since` falls in, oldest first, minutes with no attempts
    /// left out. Stores keep two days of them.
    public var minutes: [Minute]

    /// Creates a health record.
    public init(
        partition: PartitionKey,
        state: PartitionState,
        backlog: Int,
        retrying: Int,
        deadLetters: Int,
        oldestWaiting: Timestamp?,
        lastFailure: AttemptFailure?,
        minutes: [Minute]
    ) {
        self.partition = partition
        self.state = state
        self.backlog = backlog
        self.retrying = retrying
        self.deadLetters = deadLetters
        self.oldestWaiting = oldestWaiting
        self.lastFailure = lastFailure
        self.minutes = minutes
    }
}

/// A failed attempt: when, and why.
public struct AttemptFailure: Sendable, Equatable {
    /// When the attempt finished.
    public var at: Timestamp
    /// Why it failed.
    public var reason: FailureReason

    /// Creates a failure record.
    public init(at: Timestamp, reason: FailureReason) {
        self.at = at
        self.reason = reason
    }
}

/// The latency histogram buckets the stores keep per minute: upper bounds in milliseconds
/// (the last bucket holds everything slower).
public enum LatencyBuckets {
    /// Upper bounds, in milliseconds, of all buckets but the last.
    public static let bounds: [Int64] = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000]

    /// How many buckets there are (`bounds.count + 1`).
    public static var count: Int { Self.bounds.count + 1 }

    /// The bucket a latency falls in.
    public static func index(of milliseconds: Int64) -> Int {
        Self.bounds.firstIndex { milliseconds <= $0 } ?? Self.bounds.count
    }

    /// The latency below which `fraction` of the counted attempts fall (the bucket's upper
    /// bound); nil when nothing was counted. The slowest bucket reports its lower bound.
    public static func percentile(_ fraction: Double, of counts: [Int]) -> Int64? {
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let target = Int((Double(total) * fraction).rounded(.up))
        var seen = 0
        for (index, count) in counts.enumerated() {
            seen += count
            if seen >= target { return index < Self.bounds.count ? Self.bounds[index] : Self.bounds[Self.bounds.count - 1] }
        }
        return Self.bounds.last
    }
}
