/// Parses the HTTP date formats RFC 9110 §5.6.7 says recipients must accept, for `Retry-After`.
///
/// - IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT` (what servers send today)
/// - RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT` (two-digit years are read as 19xx or 20xx,
///   whichever is within 50 years of 2000)
/// - asctime: `Sun Nov  6 08:49:37 1994`
public enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// The instant, or nil when `text` is in none of the three formats.
    public static func parse(_ text: String) -> Timestamp? {
        var tokens = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        // Drop the weekday; it carries no information.
        if let first = tokens.first, first.allSatisfy(\.isLetter) { tokens.removeFirst() }
        let day: Int
        let month: Int
        var year: Int
        let time: String
        if tokens.count == 3, tokens[2].uppercased() == "GMT" {
            let parts = tokens[0].split(separator: "-").map(String.init)
            guard parts.count == 3, let parsedDay = Int(parts[0]), let parsedMonth = Self.month(parts[1]),
                let parsedYear = Int(parts[2])
            else { return nil }
            day = parsedDay
            month = parsedMonth
            year = parsedYear
            if parts[2].count == 2 { year += year < 50 ? 2000 : 1900 }
            time = tokens[1]
        } else if tokens.count == 5, tokens[4].uppercased() == "GMT" {
            guard let parsedDay = Int(tokens[0]), let parsedMonth = Self.month(tokens[1]), let parsedYear = Int(tokens[2])
            else { return nil }
            day = parsedDay
            month = parsedMonth
            year = parsedYear
            time = tokens[3]
        } else if tokens.count == 4 {
            guard let parsedMonth = Self.month(tokens[0]), let parsedDay = Int(tokens[1]), let parsedYear = Int(tokens[3])
            else { return nil }
            day = parsedDay
            month = parsedMonth
            year = parsedYear
            time = tokens[2]
        } else {
            return nil
        }
        let clock = time.split(separator: ":").map(String.init)
        guard clock.count == 3, clock.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
            (0...9999).contains(year), (1...31).contains(day)
        else { return nil }
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(width - digits.count, 0)) + digits
        }
        let iso = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(clock[0]):\(clock[1]):\(clock[2])Z"
        return Timestamp(iso8601: iso)
    }

    private static func month(_ name: String) -> Int? {
        Self.months.firstIndex(of: name.lowercased()).map { $0 + 1 }
    }
}
