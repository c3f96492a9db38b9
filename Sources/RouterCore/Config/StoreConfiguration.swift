/// Which `EventStore` the router keeps its queue in: the `store` block of `router.json`.
///
/// ```json
/// "store": {"kind": "sqlite"}
/// "store": {"kind": "postgres", "url": {"env": "DATABASE_URL"}, "leaseSeconds": 15}
/// ```
/// SQLite (the default) needs no server and serves one instance; PostgreSQL lets several
/// instances share one durable queue.
public enum StoreConfiguration: Sendable, Equatable, Decodable {
    /// One SQLite file in the data directory.
    case sqlite
    /// A PostgreSQL database shared by any number of router instances.
    case postgres(PostgresStoreSettings)

    enum CodingKeys: String, CodingKey, CaseIterable { case kind }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        let kind = try container.decodeIfPresent(String.self, forKey: AnyCodingKey("kind")) ?? "sqlite"
        switch kind {
        case "sqlite":
            try decoder.rejectUnknownKeys(CodingKeys.self)
            self = .sqlite
        case "postgres":
            self = .postgres(try PostgresStoreSettings(from: decoder))
        default:
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath + [AnyCodingKey("kind")], debugDescription: "must be \"sqlite\" or \"postgres\", not \"\(kind)\"")
            )
        }
    }
}

/// The settings of a PostgreSQL store.
public struct PostgresStoreSettings: Sendable, Equatable, Decodable {
    /// Where the database is; the password, if any, comes with it.
    public var url: PostgresURL
    /// How long a partition lease lasts unless renewed; an instance that dies loses its
    /// partitions after it. Default 15 s.
    public var leaseDuration: Duration
    /// How often an idle worker looks for events other instances stored, in case their
    /// announcement (LISTEN/NOTIFY) was missed. Default 1 s.
    public var pollInterval: Duration
    /// The most connections this instance opens. Default 16.
    public var maxConnections: Int
    /// How long one store operation may take before it fails (ingest then answers 503).
    /// Default 10 s.
    public var operationTimeout: Duration

    /// Creates settings with the documented defaults.
    public init(
        url: PostgresURL,
        leaseDuration: Duration = .seconds(15),
        pollInterval: Duration = .seconds(1),
        maxConnections: Int = 16,
        operationTimeout: Duration = .seconds(10)
    ) {
        self.url = url
        self.leaseDuration = leaseDuration
        self.pollInterval = pollInterval
        self.maxConnections = maxConnections
        self.operationTimeout = operationTimeout
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case kind, url, leaseSeconds, pollMilliseconds, maxConnections, operationTimeoutSeconds }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.url) else {
            throw DecodingError.keyNotFound(
                CodingKeys.url,
                .init(codingPath: decoder.codingPath, debugDescription: "a postgres store needs \"url\", e.g. \"postgres://router@127.0.0.1:5432/router\" or {\"env\": \"DATABASE_URL\"}")
            )
        }
        let secret = try container.decode(SecretReference.self, forKey: .url)
        do {
            self.url = try PostgresURL(parsing: secret.value)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .url, in: container, debugDescription: "\(error.message) (from \(secret))")
        }
        let leaseSeconds = try container.decodeIfPresent(Double.self, forKey: .leaseSeconds) ?? 15
        guard (1...600).contains(leaseSeconds) else {
            throw DecodingError.dataCorruptedError(forKey: .leaseSeconds, in: container, debugDescription: "must be between 1 and 600 seconds, e.g. 15")
        }
        self.leaseDuration = .milliseconds(Int64(leaseSeconds * 1000))
        let poll = try container.decodeIfPresent(Int.self, forKey: .pollMilliseconds) ?? 1000
        guard (10...60_000).contains(poll) else {
            throw DecodingError.dataCorruptedError(forKey: .pollMilliseconds, in: container, debugDescription: "must be between 10 and 60000 milliseconds, e.g. 1000")
        }
        self.pollInterval = .milliseconds(poll)
        self.maxConnections = try container.decodeIfPresent(Int.self, forKey: .maxConnections) ?? 16
        guard (2...500).contains(self.maxConnections) else {
            throw DecodingError.dataCorruptedError(forKey: .maxConnections, in: container, debugDescription: "must be between 2 and 500, e.g. 16")
        }
        let timeout = try container.decodeIfPresent(Double.self, forKey: .operationTimeoutSeconds) ?? 10
        guard (0.5...300).contains(timeout) else {
            throw DecodingError.dataCorruptedError(forKey: .operationTimeoutSeconds, in: container, debugDescription: "must be between 0.5 and 300 seconds, e.g. 10")
        }
        self.operationTimeout = .milliseconds(Int64(timeout * 1000))
    }
}
