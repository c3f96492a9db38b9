import RouterCore

/// How the console writes times: UTC, to the second, with a relative "3 min ago".
public enum ConsoleTime {
    /// `2026-11-30 06:12:09 UTC`.
    public static func utc(_ time: Timestamp) -> String {
        let iso = time.iso8601
        // ISO-8601 from `Timestamp` is `YYYY-MM-DDTHH:MM:SS(.fff)Z`.
        let date = iso.prefix(10)
        let clock = iso.dropFirst(11).prefix(8)
        return "\(date) \(clock) UTC"
    }

    /// `just now`, `42 s ago`, `3 min ago`, `5 h ago`, `2 d ago`, or `in 4 min` for the future.
    public static func relative(_ time: Timestamp, now: Timestamp) -> String {
        let seconds = (now.millisecondsSince1970 - time.millisecondsSince1970) / 1000
        let magnitude = abs(seconds)
        let text: String
        switch magnitude {
        case 0..<2: return "just now"
        case 2..<60: text = "\(magnitude) s"
        case 60..<3600: text = "\(magnitude / 60) min"
        case 3600..<86_400: text = "\(magnitude / 3600) h"
        default: text = "\(magnitude / 86_400) d"
        }
        return seconds >= 0 ? "\(text) ago" : "in \(text)"
    }
}
