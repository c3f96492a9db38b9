import CoreMetrics

/// A metrics factory that keeps counters and gauges in a `MetricSeriesTable` (a new label set
/// costs one insertion however many there are) and makes everything else, histograms among
/// them, with `fallback`.
///
/// The server pairs it with swift-prometheus: `/metrics` writes the registry's families, then
/// the table's. No name may be made through both (each family must appear once); the router's
/// counters and gauges all come through here, its timers through the fallback.
public struct SeriesMetricsFactory: MetricsFactory {
    /// Where counters and gauges live.
    public let table: MetricSeriesTable
    /// Makes timers, meters, floating-point counters and aggregating recorders.
    public let fallback: any MetricsFactory

    /// Creates a factory over `table`, with `fallback` for the other kinds.
    public init(table: MetricSeriesTable, fallback: any MetricsFactory) {
        self.table = table
        self.fallback = fallback
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        self.table.counter(label, dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        self.fallback.makeFloatingPointCounter(label: label, dimensions: dimensions)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        self.fallback.makeMeter(label: label, dimensions: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        // A gauge is a recorder that keeps the last value; one that aggregates is a histogram.
        if aggregate { return self.fallback.makeRecorder(label: label, dimensions: dimensions, aggregate: true) }
        return self.table.gauge(label, dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        self.fallback.makeTimer(label: label, dimensions: dimensions)
    }

    /// The table's series stay (the router keeps the handles it made, as the registry does).
    public func destroyCounter(_ handler: any CounterHandler) {
        if !(handler is SeriesCounter) { self.fallback.destroyCounter(handler) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        self.fallback.destroyFloatingPointCounter(handler)
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        self.fallback.destroyMeter(handler)
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        if !(handler is SeriesGauge) { self.fallback.destroyRecorder(handler) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        self.fallback.destroyTimer(handler)
    }
}
