import RouterCore

/// One row of the overview: how a tenant's destination is doing now and over the last hour.
public struct DestinationOverview: Sendable, Equatable {
    /// The row's headline state, worst first.
    public enum Condition: String, Sendable, Equatable {
        /// The head batch keeps failing and the worker waits out a backoff.
        case paused
        /// The head batch failed and is being tried again, or every attempt of the last 5 minutes failed.
        case failing
        /// Some events wait in the retry set; the rest flows.
        case retrying
        /// Delivering, nothing failing.
        case delivering
        /// Nothing waiting, nothing sent in the last 5 minutes.
        case idle

        /// Larger is worse; the overview sorts by it.
        public var severity: Int {
            switch self {
            case .paused: 4
            case .failing: 3
            case .retrying: 2
            case .delivering: 1
            case .idle: 0
            }
        }
    }

    /// The partition.
    public var partition: PartitionKey
    /// The destination's module type; nil when it was removed from the config.
    public var type: String?
    /// The tenant file that configures it; nil when removed.
    public var file: String?
    /// The headline state.
    public var condition: Condition
    /// Since when it fails (failing, paused).
    public var failingSince: Timestamp?
    /// Until when it is paused.
    public var pausedUntil: Timestamp?
    /// Delivered and failed in the last 5 minutes.
    public var delivered5m: Int
    public var failed5m: Int
    /// Delivered and failed in the last hour.
    public var delivered1h: Int
    public var failed1h: Int
    /// 95th percentile attempt latency over the last hour, in milliseconds (a bucket bound).
    public var p95Milliseconds: Int64?
    /// Events waiting at the head and in the retry set, and dead letters (each up to `PartitionHealth.countCap`).
    public var backlog: Int
    public var retrying: Int
    public var deadLetters: Int
    /// When the oldest waiting event arrived.
    public var oldestWaiting: Timestamp?
    /// The last failed attempt and what to do about it.
    public var lastFailure: AttemptFailure?
    public var hint: String?
    /// Per-minute totals of the last hour, for the chart.
    public var minutes: [PartitionHealth.Minute]

    /// Where the row sorts, worst first: its condition, then failures of the last hour or dead
    /// letters put an otherwise quiet destination above the healthy ones.
    public var rank: Int {
        if self.condition.severity >= Condition.retrying.severity { return self.condition.severity * 10 }
        return self.failed1h > 0 || self.deadLetters > 0 ? 5 : self.condition.severity
    }

    /// Failed attempts as a share of all attempts in the last hour; nil when none were made.
    public var failureRate: Double? {
        let total = self.delivered1h + self.failed1h
        return total == 0 ? nil : Double(self.failed1h) / Double(total)
    }

    /// Builds the rows: every configured destination and every partition the store still holds,
    /// worst first, then by tenant and destination.
    static func rows(tenants: [TenantConfiguration], health: [PartitionHealth], now: Timestamp) -> [DestinationOverview] {
        var byPartition = Dictionary(health.map { ($0.partition, $0) }, uniquingKeysWith: { first, _ in first })
        var rows: [DestinationOverview] = []
        for tenant in tenants {
            for destination in tenant.destinations {
                let key = PartitionKey(tenant: tenant.name, destination: destination.id)
                let record = byPartition.removeValue(forKey: key) ?? PartitionHealth(
                    partition: key, state: PartitionState(), backlog: 0, retrying: 0, deadLetters: 0, oldestWaiting: nil, lastFailure: nil, minutes: []
                )
                rows.append(Self(record, type: destination.type, file: tenant.file, now: now))
            }
        }
        for record in byPartition.values {
            rows.append(Self(record, type: nil, file: nil, now: now))
        }
        return rows.sorted { lhs, rhs in
            if lhs.rank != rhs.rank { return lhs.rank > rhs.rank }
            if lhs.failed1h != rhs.failed1h { return lhs.failed1h > rhs.failed1h }
            if lhs.deadLetters != rhs.deadLetters { return lhs.deadLetters > rhs.deadLetters }
            return (lhs.partition.tenant, lhs.partition.destination) < (rhs.partition.tenant, rhs.partition.destination)
        }
    }

    init(_ health: PartitionHealth, type: String?, file: String?, now: Timestamp) {
        self.partition = health.partition
        self.type = type
        self.file = file
        let fiveMinutesAgo = now.adding(.seconds(-300))
        let hourAgo = now.adding(.seconds(-3600))
        let hour = health.minutes.filter { $0.start.adding(.seconds(60)) > hourAgo }
        let recent = hour.filter { $0.start.adding(.seconds(60)) > fiveMinutesAgo }
        self.delivered1h = hour.reduce(0) { $0 + $1.delivered }
        self.failed1h = hour.reduce(0) { $0 + $1.failed }
        self.delivered5m = recent.reduce(0) { $0 + $1.delivered }
        self.failed5m = recent.reduce(0) { $0 + $1.failed }
        var buckets = [Int](repeating: 0, count: LatencyBuckets.count)
        for minute in hour {
            for (index, count) in minute.latency.enumerated() where index < buckets.count { buckets[index] += count }
        }
        self.p95Milliseconds = LatencyBuckets.percentile(0.95, of: buckets)
        self.backlog = health.backlog
        self.retrying = health.retrying
        self.deadLetters = health.deadLetters
        self.oldestWaiting = health.oldestWaiting
        self.lastFailure = health.lastFailure
        self.hint = health.lastFailure.map { FailureHint.explain($0.reason, type: type, id: health.partition.destination, file: file) }
        self.minutes = hour
        self.failingSince = health.state.failingSince
        if let pausedUntil = health.state.pausedUntil, pausedUntil > now, health.state.headFailures > 0 {
            self.condition = .paused
            self.pausedUntil = pausedUntil
        } else if health.state.headFailures > 0 || (self.failed5m > 0 && self.delivered5m == 0) {
            self.condition = .failing
            self.pausedUntil = nil
        } else if health.retrying > 0 {
            self.condition = .retrying
            self.pausedUntil = nil
        } else if health.backlog > 0 || self.delivered5m > 0 {
            self.condition = .delivering
            self.pausedUntil = nil
        } else {
            self.condition = .idle
            self.pausedUntil = nil
        }
    }
}
