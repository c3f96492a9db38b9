import CoreMetrics
import Metrics
import Synchronization

/// Every metric the router emits, made through one injected factory and cached per label set.
///
/// Names follow `router_<name>_<unit>` with `_total` on counters; labels come only from config
/// (tenant, destination) or closed codes, never from event data.
public final class RouterMetrics: Sendable {
    private let factory: any MetricsFactory
    private let counters = Mutex<[String: Counter]>([:])
    private let gauges = Mutex<[String: Gauge]>([:])
    private let timers = Mutex<[String: Metrics.Timer]>([:])

    /// Creates metrics over `factory` (a Prometheus factory in the server; a no-op one by default).
    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.factory = factory
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        dimensions.reduce(label) { $0 + "|" + $1.0 + "=" + $1.1 }
    }

    /// A counter, made once per label set.
    public func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        let key = Self.key(label, dimensions)
        return self.counters.withLock { counters in
            if let existing = counters[key] { return existing }
            let counter = Counter(label: label, dimensions: dimensions, factory: self.factory)
            counters[key] = counter
            return counter
        }
    }

    /// A gauge, made once per label set.
    public func gauge(_ label: String, _ dimensions: [(String, String)]) -> Gauge {
        let key = Self.key(label, dimensions)
        return self.gauges.withLock { gauges in
            if let existing = gauges[key] { return existing }
            let gauge = Gauge(label: label, dimensions: dimensions, factory: self.factory)
            gauges[key] = gauge
            return gauge
        }
    }

    /// A timer (a histogram in Prometheus), made once per label set.
    public func timer(_ label: String, _ dimensions: [(String, String)]) -> Metrics.Timer {
        let key = Self.key(label, dimensions)
        return self.timers.withLock { timers in
            if let existing = timers[key] { return existing }
            let timer = Metrics.Timer(label: label, dimensions: dimensions, factory: self.factory)
            timers[key] = timer
            return timer
        }
    }

    /// Events accepted for a tenant.
    public func ingested(tenant: String) -> Counter {
        self.counter("router_events_ingested_total", [("tenant", tenant)])
    }

    /// Requests refused, by reason code.
    public func rejected(tenant: String, reason: String) -> Counter {
        self.counter("router_events_rejected_total", [("tenant", tenant), ("reason", reason)])
    }

    /// Publishes the store's counts as gauges.
    public func record(_ statistics: StoreStatistics) {
        for (partition, counts) in statistics.partitions {
            let dimensions = [("tenant", partition.tenant), ("destination", partition.destination)]
            self.gauge("router_backlog_events", dimensions).record(counts.backlog)
            self.gauge("router_dead_letters", dimensions).record(counts.deadLetters)
        }
        self.gauge("router_store_bytes", []).record(statistics.bytes)
    }
}
