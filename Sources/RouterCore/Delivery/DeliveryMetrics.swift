import Metrics

/// The metric handles of one partition, made once, on its first delivery.
struct DeliveryMetrics: Sendable {
    let delivered: Counter
    let retried: Counter
    let deadLettered: Counter
    let unreadable: Counter
    let duration: Metrics.Timer

    init(partition: PartitionKey, metrics: RouterMetrics) {
        let dimensions = [("tenant", partition.tenant), ("destination", partition.destination)]
        self.delivered = metrics.counter("router_delivery_events_total", dimensions + [("outcome", "delivered")])
        self.retried = metrics.counter("router_delivery_events_total", dimensions + [("outcome", "retry")])
        self.deadLettered = metrics.counter("router_delivery_events_total", dimensions + [("outcome", "dead")])
        self.unreadable = metrics.counter("router_events_unreadable_total", dimensions)
        self.duration = metrics.timer("router_delivery_duration_seconds", dimensions)
    }

    func record(_ plan: DeliveryPlanner.Plan, elapsed: Duration) {
        if plan.delivered > 0 { self.delivered.increment(by: plan.delivered) }
        if plan.retried > 0 { self.retried.increment(by: plan.retried) }
        if plan.deadLettered > 0 { self.deadLettered.increment(by: plan.deadLettered) }
        self.duration.recordNanoseconds(Int64(ExponentialJitterRetryPolicy.seconds(elapsed) * 1e9))
    }
}
