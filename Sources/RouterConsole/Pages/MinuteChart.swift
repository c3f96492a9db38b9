import RouterCore

/// Draws delivered and failed per minute over the last hour as a small inline SVG: one bar pair
/// per minute, drawn by the server from numbers only, so no script or chart library is needed.
enum MinuteChart {
    static let width = 120
    static let height = 36

    /// The SVG for `minutes` ending at `now`.
    static func svg(_ minutes: [PartitionHealth.Minute], now: Timestamp) -> String {
        let nowMinute = now.millisecondsSince1970 / 60_000
        var delivered = [Int](repeating: 0, count: 60)
        var failed = [Int](repeating: 0, count: 60)
        for minute in minutes {
            let age = Int(nowMinute - minute.start.millisecondsSince1970 / 60_000)
            guard (0..<60).contains(age) else { continue }
            delivered[59 - age] += minute.delivered
            failed[59 - age] += minute.failed
        }
        let peak = max(1, zip(delivered, failed).map { $0 + $1 }.max() ?? 1)
        let barWidth = Double(Self.width) / 60
        var bars = ""
        for index in 0..<60 {
            let x = Double(index) * barWidth
            let okHeight = Double(delivered[index]) / Double(peak) * Double(Self.height - 2)
            let badHeight = Double(failed[index]) / Double(peak) * Double(Self.height - 2)
            if okHeight > 0 {
                bars += #"<rect class="delivered" x="\#(Self.format(x))" y="\#(Self.format(Double(Self.height) - okHeight))" width="\#(Self.format(barWidth - 0.6))" height="\#(Self.format(okHeight))"/>"#
            }
            if badHeight > 0 {
                bars += #"<rect class="failed" x="\#(Self.format(x))" y="\#(Self.format(Double(Self.height) - okHeight - badHeight))" width="\#(Self.format(barWidth - 0.6))" height="\#(Self.format(badHeight))"/>"#
            }
        }
        let total = delivered.reduce(0, +)
        let failures = failed.reduce(0, +)
        return #"<svg role="img" width="\#(Self.width)" height="\#(Self.height)" viewBox="0 0 \#(Self.width) \#(Self.height)" xmlns="http://www.w3.org/2000/svg"><title>\#(total) delivered and \#(failures) failed in the last hour, per minute (peak \#(peak) a minute)</title><line class="axis" x1="0" y1="\#(Self.height - 0)" x2="\#(Self.width)" y2="\#(Self.height - 0)"/>\#(bars)</svg>"#
    }

    private static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
