import CoreMetrics
import Synchronization

/// The router's counters and gauges, one series per label set, kept so that a new series costs
/// the same with 20,000 tenants as with one, and written out in the Prometheus text format.
///
/// swift-prometheus copies every series of a name each time it registers a new label set of
/// that name. The router makes a few series per tenant (events ingested, delivered, the backlog)
/// as each tenant first counts something, so after a start the first event of each of 20,000
/// tenants paid for copying all the series made before it: ingest ran at about 800 requests a
/// second until every tenant had been seen, and the copies held the registry's lock
/// (docs/performance.md). Here a new series is one dictionary insertion; series are never
/// removed, as in the registry (the router keeps every handle it made).
public final class MetricSeriesTable: Sendable {
    /// What a family's `# TYPE` line says.
    public enum Kind: String, Sendable {
        case counter
        case gauge
    }

    private struct Family {
        let kind: Kind
        /// Each series' label names and values, interleaved, in the order they were made.
        var keys: [[String]] = []
        var handlers: [any SeriesValue] = []
        var index: [[String]: Int] = [:]

        mutating func add(_ key: [String], _ handler: any SeriesValue) {
            self.index[key] = self.keys.count
            self.keys.append(key)
            self.handlers.append(handler)
        }
    }

    private struct State {
        var families: [String: Family] = [:]
        /// Family names in the order they were made, so the text keeps a stable order.
        var names: [String] = []
    }

    private let state = Mutex(State())

    /// Creates an empty table.
    public init() {}

    /// The counter of `name` with `dimensions`, made on first use.
    public func counter(_ name: String, _ dimensions: [(String, String)]) -> SeriesCounter {
        self.series(name, dimensions, kind: .counter) { SeriesCounter() }
    }

    /// The gauge of `name` with `dimensions`, made on first use.
    public func gauge(_ name: String, _ dimensions: [(String, String)]) -> SeriesGauge {
        self.series(name, dimensions, kind: .gauge) { SeriesGauge() }
    }

    /// How many series the table holds.
    public var seriesCount: Int {
        self.state.withLock { state in state.families.values.reduce(0) { $0 + $1.keys.count } }
    }

    private func series<Handler: SeriesValue>(_ name: String, _ dimensions: [(String, String)], kind: Kind, make: () -> Handler) -> Handler {
        var key: [String] = []
        key.reserveCapacity(dimensions.count * 2)
        for (label, value) in dimensions {
            key.append(label)
            key.append(value)
        }
        return self.state.withLock { state in
            if let family = state.families[name] {
                // As swift-prometheus does: one name is one kind, or the scrape would be refused.
                precondition(family.kind == kind, "metric \(name) is a \(family.kind.rawValue), not a \(kind.rawValue)")
                if let index = family.index[key], let existing = family.handlers[index] as? Handler { return existing }
            } else {
                precondition(Self.isValidName(name), "metric name \(name) is not valid in the Prometheus text format")
                state.families[name] = Family(kind: kind)
                state.names.append(name)
            }
            precondition(dimensions.allSatisfy { Self.isValidName($0.0) && !$0.0.hasPrefix("__") }, "label names of \(name) are not valid: \(dimensions.map(\.0))")
            let handler = make()
            // In place: the family's storage is not shared (unless a scrape is copying its series
            // right now, which costs that one insertion a copy), so nothing is copied.
            state.families[name]?.add(key, handler)
            return handler
        }
    }

    /// A metric or label name the text format accepts: `[a-zA-Z_][a-zA-Z0-9_]*` (colons, which
    /// the format reserves for recording rules, are not used here).
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first < 0x30 || first > 0x39 else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "_")
        }
    }

    /// Appends every family in the Prometheus text format (version 0.0.4): a `# TYPE` line, then
    /// one line per series, label values escaped.
    public func emit(into buffer: inout [UInt8]) {
        // The series as they are now, without their index: the text is written outside the lock.
        let snapshot: [(name: String, kind: Kind, keys: [[String]], handlers: [any SeriesValue])] = self.state.withLock { state in
            state.names.compactMap { name in state.families[name].map { (name, $0.kind, $0.keys, $0.handlers) } }
        }
        for (name, kind, keys, handlers) in snapshot {
            buffer.append(contentsOf: "# TYPE \(name) \(kind.rawValue)\n".utf8)
            for (key, handler) in zip(keys, handlers) {
                buffer.append(contentsOf: name.utf8)
                if !key.isEmpty {
                    buffer.append(UInt8(ascii: "{"))
                    var position = 0
                    while position + 1 < key.count {
                        if position > 0 { buffer.append(UInt8(ascii: ",")) }
                        buffer.append(contentsOf: key[position].utf8)
                        buffer.append(contentsOf: "=\"".utf8)
                        Self.appendEscaped(key[position + 1], to: &buffer)
                        buffer.append(UInt8(ascii: "\""))
                        position += 2
                    }
                    buffer.append(UInt8(ascii: "}"))
                }
                buffer.append(UInt8(ascii: " "))
                buffer.append(contentsOf: handler.text.utf8)
                buffer.append(UInt8(ascii: "\n"))
            }
        }
    }

    /// A label value as the text format wants it: backslash, double quote and line feed escaped.
    static func appendEscaped(_ value: String, to buffer: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\""): buffer.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\n"): buffer.append(contentsOf: #"\n"#.utf8)
            default: buffer.append(byte)
            }
        }
    }
}

/// A series' current value, as the text format writes it.
public protocol SeriesValue: AnyObject, Sendable {
    /// The value as the sample line's last field.
    var text: String { get }
}

/// A counter series of `MetricSeriesTable`.
public final class SeriesCounter: CounterHandler, SeriesValue {
    private let value = Atomic<Int64>(0)

    public func increment(by amount: Int64) {
        self.value.wrappingAdd(amount, ordering: .relaxed)
    }

    public func reset() {
        self.value.store(0, ordering: .relaxed)
    }

    /// The count now.
    public var count: Int64 { self.value.load(ordering: .relaxed) }

    public var text: String { "\(self.count)" }
}

/// A gauge series of `MetricSeriesTable`: the last value recorded.
public final class SeriesGauge: RecorderHandler, SeriesValue {
    private let bits = Atomic<UInt64>(Double.zero.bitPattern)

    public func record(_ value: Int64) {
        self.record(Double(value))
    }

    public func record(_ value: Double) {
        self.bits.store(value.bitPattern, ordering: .relaxed)
    }

    /// The value now.
    public var value: Double { Double(bitPattern: self.bits.load(ordering: .relaxed)) }

    /// As swift-prometheus writes a gauge (`3.0`), so scrapes read the same as before; the
    /// values Swift spells `nan` and `inf` as the text format does (`NaN`, `+Inf`, `-Inf`).
    public var text: String {
        let value = self.value
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return "\(value)"
    }
}
