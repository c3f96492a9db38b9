import CoreMetrics
import Metrics
@testable import RouterCore
import Synchronization
import Testing

struct MetricSeriesTableTests {
    private func text(_ table: MetricSeriesTable) -> String {
        var buffer: [UInt8] = []
        table.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    @Test func writesEachFamilyOnceWithItsSeriesInTheOrderMade() {
        let table = MetricSeriesTable()
        table.counter("router_events_ingested_total", [("tenant", "acme")]).increment(by: 2)
        table.gauge("router_backlog_events", [("tenant", "acme"), ("destination", "archive")]).record(Int64(7))
        table.counter("router_events_ingested_total", [("tenant", "globex")]).increment(by: 1)
        table.gauge("router_store_bytes", []).record(1.5)
        #expect(
            self.text(table) == """
                # TYPE router_events_ingested_total counter
                router_events_ingested_total{tenant="acme"} 2
                router_events_ingested_total{tenant="globex"} 1
                # TYPE router_backlog_events gauge
                router_backlog_events{tenant="acme",destination="archive"} 7.0
                # TYPE router_store_bytes gauge
                router_store_bytes 1.5

                """
        )
        #expect(table.seriesCount == 4)
    }

    @Test func aLabelSetMadeAgainIsTheSameSeries() {
        let table = MetricSeriesTable()
        let first = table.counter("router_delivery_events_total", [("tenant", "acme"), ("outcome", "delivered")])
        first.increment(by: 3)
        let again = table.counter("router_delivery_events_total", [("tenant", "acme"), ("outcome", "delivered")])
        again.increment(by: 4)
        #expect(first === again)
        #expect(first.count == 7)
        // The same values under other names are another series.
        let other = table.counter("router_delivery_events_total", [("outcome", "acme"), ("tenant", "delivered")])
        #expect(other !== first)
        #expect(table.seriesCount == 2)
        first.reset()
        #expect(self.text(table).contains(#"router_delivery_events_total{tenant="acme",outcome="delivered"} 0"#))
    }

    @Test func escapesLabelValuesAsTheTextFormatAsks() {
        let table = MetricSeriesTable()
        table.counter("router_events_ingested_total", [("tenant", "a\\b\"c\nd")]).increment(by: 1)
        #expect(self.text(table).contains(#"router_events_ingested_total{tenant="a\\b\"c\nd"} 1"#))
    }

    @Test func aGaugeKeepsTheLastValue() {
        let table = MetricSeriesTable()
        let gauge = table.gauge("router_partitions_held", [])
        gauge.record(Int64(5))
        gauge.record(Int64(2))
        #expect(gauge.value == 2)
        #expect(self.text(table).contains("router_partitions_held 2.0\n"))
    }

    @Test func aGaugeWritesNotANumberAndInfinityAsTheTextFormatDoes() {
        let table = MetricSeriesTable()
        table.gauge("router_ratio", [("case", "nan")]).record(Double.nan)
        table.gauge("router_ratio", [("case", "up")]).record(Double.infinity)
        table.gauge("router_ratio", [("case", "down")]).record(-Double.infinity)
        table.gauge("router_ratio", [("case", "half")]).record(0.5)
        let text = self.text(table)
        #expect(text.contains(#"router_ratio{case="nan"} NaN"#))
        #expect(text.contains(#"router_ratio{case="up"} +Inf"#))
        #expect(text.contains(#"router_ratio{case="down"} -Inf"#))
        #expect(text.contains(#"router_ratio{case="half"} 0.5"#))
    }

    @Test func manyTenantsMakeOneSeriesEach() {
        let table = MetricSeriesTable()
        for index in 0..<20_000 {
            table.counter("router_events_ingested_total", [("tenant", "t\(index)")]).increment(by: 1)
        }
        #expect(table.seriesCount == 20_000)
        let lines = self.text(table).split(separator: "\n")
        #expect(lines.count == 20_001)
        #expect(lines[1] == #"router_events_ingested_total{tenant="t0"} 1"#)
        #expect(lines[20_000] == #"router_events_ingested_total{tenant="t19999"} 1"#)
    }

    @Test func eachTenantAndPartitionKeepsItsOwnSeries() {
        let table = MetricSeriesTable()
        let metrics = RouterMetrics(factory: SeriesMetricsFactory(table: table, fallback: RecordingFactory()))
        metrics.ingested(tenant: "acme").increment(by: 2)
        metrics.ingested(tenant: "globex").increment(by: 5)
        metrics.ingested(tenant: "acme").increment(by: 1)
        let acmeArchive = PartitionKey(tenant: "acme", destination: "archive")
        let acmeSegment = PartitionKey(tenant: "acme", destination: "segment")
        let globexArchive = PartitionKey(tenant: "globex", destination: "archive")
        metrics.record(StoreStatistics(partitions: [acmeArchive: .init(backlog: 1, deadLetters: 2), acmeSegment: .init(backlog: 3, deadLetters: 4)], bytes: 10))
        metrics.record(StoreStatistics(partitions: [acmeArchive: .init(backlog: 7, deadLetters: 2), globexArchive: .init(backlog: 9, deadLetters: 0)], bytes: 10))
        let text = self.text(table)
        #expect(text.contains(#"router_events_ingested_total{tenant="acme"} 3"#))
        #expect(text.contains(#"router_events_ingested_total{tenant="globex"} 5"#))
        #expect(text.contains(#"router_backlog_events{tenant="acme",destination="archive"} 7.0"#))
        #expect(text.contains(#"router_backlog_events{tenant="acme",destination="segment"} 3.0"#))
        #expect(text.contains(#"router_backlog_events{tenant="globex",destination="archive"} 9.0"#))
        #expect(text.contains(#"router_dead_letters{tenant="acme",destination="segment"} 4.0"#))
        #expect(text.contains(#"router_dead_letters{tenant="globex",destination="archive"} 0.0"#))
    }

    @Test func namesFollowTheTextFormat() {
        #expect(MetricSeriesTable.isValidName("router_events_ingested_total"))
        #expect(MetricSeriesTable.isValidName("_private9"))
        #expect(!MetricSeriesTable.isValidName(""))
        #expect(!MetricSeriesTable.isValidName("9lives"))
        #expect(!MetricSeriesTable.isValidName("router-events"))
        #expect(!MetricSeriesTable.isValidName("router.events"))
        #expect(!MetricSeriesTable.isValidName("tenant id"))
    }

    @Test func theFactoryKeepsCountersAndGaugesAndHandsTheRestOn() {
        let table = MetricSeriesTable()
        let fallback = RecordingFactory()
        let metrics = RouterMetrics(factory: SeriesMetricsFactory(table: table, fallback: fallback))
        metrics.ingested(tenant: "acme").increment()
        metrics.gauge("router_partitions_held", []).record(3)
        metrics.timer("router_delivery_duration_seconds", [("type", "file")]).recordNanoseconds(1_000)
        Recorder(label: "router_sizes", dimensions: [], aggregate: true, factory: SeriesMetricsFactory(table: table, fallback: fallback)).record(1)
        let text = self.text(table)
        #expect(text.contains(#"router_events_ingested_total{tenant="acme"} 1"#))
        #expect(text.contains("router_partitions_held 3.0"))
        #expect(!text.contains("router_delivery_duration_seconds"))
        #expect(fallback.made == ["timer router_delivery_duration_seconds", "recorder router_sizes"])
    }
}

/// A factory that records what it was asked to make and makes no-op handlers.
private final class RecordingFactory: MetricsFactory, Sendable {
    private let log = Mutex<[String]>([])
    var made: [String] { self.log.withLock { $0 } }

    private func note(_ entry: String) -> NOOPMetricsHandler {
        self.log.withLock { $0.append(entry) }
        return NOOPMetricsHandler.instance
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { self.note("counter \(label)") }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler { self.note("fpcounter \(label)") }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { self.note("meter \(label)") }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { self.note("recorder \(label)") }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { self.note("timer \(label)") }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
