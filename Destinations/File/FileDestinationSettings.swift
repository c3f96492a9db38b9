import RouterCore

/// The `settings` block of a `"file"` destination.
///
/// ```json
/// {"path": "data/{tenant}/events.ndjson", "maxBytes": 104857600}
/// ```
public struct FileDestinationSettings: Decodable, Sendable, Equatable {
    /// The NDJSON file to append to; `{tenant}` is replaced by the tenant name, and a relative
    /// path resolves against the folder `serve` runs in. Required.
    public var path: String
    /// Rotate when the file would grow past this many bytes: the file becomes `NAME.1`, an older
    /// `NAME.1` becomes `NAME.2`, and so on. Absent: never rotate.
    public var maxBytes: Int?

    enum CodingKeys: String, CodingKey, CaseIterable { case path, maxBytes }

    public init(path: String, maxBytes: Int? = nil) {
        self.path = path
        self.maxBytes = maxBytes
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.path = try container.decode(String.self, forKey: .path)
        self.maxBytes = try container.decodeIfPresent(Int.self, forKey: .maxBytes)
        guard !self.path.isEmpty, !self.path.hasSuffix("/") else {
            throw DecodingError.dataCorruptedError(forKey: .path, in: container, debugDescription: "must name a file, e.g. \"data/{tenant}/events.ndjson\"")
        }
        if let maxBytes = self.maxBytes, maxBytes < 1024 {
            throw DecodingError.dataCorruptedError(forKey: .maxBytes, in: container, debugDescription: "must be at least 1024 bytes, e.g. 104857600 for 100 MiB")
        }
    }
}
