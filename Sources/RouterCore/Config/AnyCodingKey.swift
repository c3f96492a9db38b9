/// A coding key for any string or index, used to read unknown keys and build error paths.
public struct AnyCodingKey: CodingKey, Hashable, Sendable {
    public var stringValue: String
    public var intValue: Int?

    public init(_ string: String) {
        self.stringValue = string
        self.intValue = nil
    }

    public init(index: Int) {
        self.stringValue = "Index \(index)"
        self.intValue = index
    }

    public init?(stringValue: String) { self.init(stringValue) }
    public init?(intValue: Int) { self.init(index: intValue) }
}

extension Decoder {
    /// Throws when the object being decoded has a key not in `Keys`, naming it and the keys
    /// that are allowed. Call it first in `init(from:)` of every settings type.
    public func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_: Keys.Type) throws {
        // The usual case, every key known, asks `Keys` directly: the list of allowed keys is
        // built only for the message (thousands of tenant files are decoded at every start).
        let container = try self.container(keyedBy: AnyCodingKey.self)
        guard container.allKeys.contains(where: { Keys(stringValue: $0.stringValue) == nil }) else { return }
        try self.rejectUnknownKeys(Set(Keys.allCases.map(\.stringValue)))
    }

    /// Throws when the object being decoded has a key outside `allowed`; when the decoder carries a
    /// `ConfigProblemCollector`, records each such key there instead and lets decoding go on.
    public func rejectUnknownKeys(_ allowed: Set<String>) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        let collector = self.userInfo[.configProblems] as? ConfigProblemCollector
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            let error = DecodingError.dataCorrupted(
                .init(
                    codingPath: self.codingPath + [key],
                    debugDescription: "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))"
                )
            )
            // With a collector the other settings are still checked, so every problem is listed.
            guard let collector else { throw error }
            collector.record(error)
        }
    }
}

/// Renders coding paths as JSON paths: `destinations[0].settings.endpoint`.
public enum JSONPath {
    /// Joins coding keys into a path, with indices in brackets.
    public static func render(_ keys: [any CodingKey], prefix: String = "") -> String {
        var path = prefix
        for key in keys {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return path
    }
}
