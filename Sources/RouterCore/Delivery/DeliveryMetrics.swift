import CoreMetrics
import Metrics
import Synchronization

/// The metric handles of one partition, each made the first time it has something to count.
///
/// Every label set is a series the metrics backend keeps and every scrape writes, so a partition
/// registers only what happened to it: a healthy one,
/// `router_delivery_events_total{outcome="delivered"}` and nothing else. The delivery duration
/// is a histogram per destination type, not per partition: thousands of tenants would otherwise
/// mean thousands of histograms.
final class DeliveryMetrics: Sendable {
    private struct Made {
        var delivered: Counter?
        var retried: Counter?
        var deadLettered: Counter?
        var unreadable: Counter?
        var duration: Metrics.Timer?
    }

    private let partition: PartitionKey
    private let type: String
    private let metrics: RouterMetrics
    private let made = Mutex(Made())

    init(partition: PartitionKey, type: String, metrics: RouterMetrics) {
        self.partition = partition
        self.type = type
        self.metrics = metrics
    }

    private var dimensions: [(String, String)] {
        [("tenant", self.partition.tenant), ("destination", self.partition.destination)]
    }

    private func counter(_ slot: WritableKeyPath<Made, Counter?>, _ make: () -> Counter) -> Counter {
        self.made.withLock { made in
            if let counter = made[keyPath: slot] { return counter }
            let counter = make()
            made[keyPath: slot] = counter
            return counter
        }
    }

    /// Counts an event that could not be read from the store.
    func countUnreadable() {
        self.counter(\.unreadable) { self.metrics.counter("router_events_unreadable_total", self.dimensions) }.increment()
    }

    /// Counts a batch's outcomes and records how long the destination took.
    func record(_ plan: DeliveryPlanner.Plan, elapsed: Duration) {
        if plan.delivered > 0 {
            self.counter(\.delivered) { self.metrics.counter("router_delivery_events_total", self.dimensions + [("outcome", "delivered")]) }
                .increment(by: plan.delivered)
        }
        if plan.retried > 0 {
            self.counter(\.retried) { self.metrics.counter("router_delivery_events_total", self.dimensions + [("outcome", "retry")]) }
                .increment(by: plan.retried)
        }
        if plan.deadLettered > 0 {
            self.counter(\.deadLettered) { self.metrics.counter("router_delivery_events_total", self.dimensions + [("outcome", "dead")]) }
                .increment(by: plan.deadLettered)
        }
        let duration = self.made.withLock { made in
            if let duration = made.duration { return duration }
            let duration = self.metrics.timer("router_delivery_duration_seconds", [("type", self.type)])
            made.duration = duration
            return duration
        }
        duration.recordNanoseconds(Int64(ExponentialJitterRetryPolicy.seconds(elapsed) * 1e9))
    }
}
