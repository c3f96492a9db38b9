import CoreMetrics
import Metrics
import Synchronization

/// Every metric the router emits, made through one injected factory and cached per label set.
///
/// Names follow `router_<name>_<unit>` with `_total` on counters; labels come only from config
/// (tenant, destination) or closed codes, never from event data.
public final class RouterMetrics: Sendable {
    private let factory: any MetricsFactory
    /// Metric objects by label and dimensions, one table per kind: the lookup runs on every
    /// ingest request, so it builds no type names and casts nothing.
    private let counters = Mutex<[MetricKey: Counter]>([:])
    private let gauges = Mutex<[MetricKey: Gauge]>([:])
    private let timers = Mutex<[MetricKey: Metrics.Timer]>([:])
    /// The per-tenant and per-partition series looked up on every request or statistics refresh,
    /// by the name alone: no label arrays to build for each lookup.
    private let ingestedByTenant = Mutex<[String: Counter]>([:])
    private let partitionGauges = Mutex<[PartitionKey: PartitionGauges]>([:])

    private struct PartitionGauges {
        let backlog: Gauge
        let deadLetters: Gauge
    }

    /// Creates metrics over `factory` (in the server, a `SeriesMetricsFactory` over swift-prometheus;
    /// a no-op one by default).
    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.factory = factory
    }

    /// Returns the metric cached in `table` for the label set, making it once with `make`.
    private func cached<Metric: Sendable>(
        in table: borrowing Mutex<[MetricKey: Metric]>,
        _ label: String,
        _ dimensions: [(String, String)],
        make: () -> Metric
    ) -> Metric {
        let key = MetricKey(label: label, dimensions: dimensions)
        return table.withLock { cache in
            if let existing = cache[key] { return existing }
            let metric = make()
            cache[key] = metric
            return metric
        }
    }

    /// A counter, made once per label set.
    public func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        self.cached(in: self.counters, label, dimensions) { Counter(label: label, dimensions: dimensions, factory: self.factory) }
    }

    /// A gauge, made once per label set.
    public func gauge(_ label: String, _ dimensions: [(String, String)]) -> Gauge {
        self.cached(in: self.gauges, label, dimensions) { Gauge(label: label, dimensions: dimensions, factory: self.factory) }
    }

    /// A timer (a histogram in Prometheus), made once per label set.
    public func timer(_ label: String, _ dimensions: [(String, String)]) -> Metrics.Timer {
        self.cached(in: self.timers, label, dimensions) { Metrics.Timer(label: label, dimensions: dimensions, factory: self.factory) }
    }

    /// Events accepted for a tenant.
    public func ingested(tenant: String) -> Counter {
        if let counter = self.ingestedByTenant.withLock({ $0[tenant] }) { return counter }
        let counter = self.counter("router_events_ingested_total", [("tenant", tenant)])
        self.ingestedByTenant.withLock { $0[tenant] = counter }
        return counter
    }

    /// Requests refused, by reason code.
    public func rejected(tenant: String, reason: String) -> Counter {
        self.counter("router_events_rejected_total", [("tenant", tenant), ("reason", reason)])
    }

    private func gauges(of partition: PartitionKey) -> PartitionGauges {
        if let gauges = self.partitionGauges.withLock({ $0[partition] }) { return gauges }
        let dimensions = [("tenant", partition.tenant), ("destination", partition.destination)]
        let gauges = PartitionGauges(backlog: self.gauge("router_backlog_events", dimensions), deadLetters: self.gauge("router_dead_letters", dimensions))
        self.partitionGauges.withLock { $0[partition] = gauges }
        return gauges
    }

    /// Publishes `router_build_info{version, commit} 1`, the build this process runs.
    public func recordBuildInfo() {
        self.gauge("router_build_info", [("version", RouterIdentity.version), ("commit", RouterIdentity.commit)]).record(1)
    }

    /// Publishes the store's counts as gauges.
    public func record(_ statistics: StoreStatistics) {
        for (partition, counts) in statistics.partitions {
            let gauges = self.gauges(of: partition)
            gauges.backlog.record(counts.backlog)
            gauges.deadLetters.record(counts.deadLetters)
        }
        self.gauge("router_store_bytes", []).record(statistics.bytes)
        self.gauge("router_delivery_workers", [("state", "alive")]).record(DeliveryWorker.aliveCount)
        self.gauge("router_delivery_workers", [("state", "running")]).record(DeliveryWorker.runningCount)
        self.gauge("router_delivery_workers", [("state", "busy")]).record(DeliveryWorker.busyCount)
    }
}

/// A metric's label and dimensions, as a dictionary key.
private struct MetricKey: Hashable {
    let label: String
    let names: [String]
    let values: [String]

    init(label: String, dimensions: [(String, String)]) {
        self.label = label
        self.names = dimensions.map(\.0)
        self.values = dimensions.map(\.1)
    }
}
