/// The server settings in `router.json`.
///
/// ```json
/// {
///   "listen": {"host": "127.0.0.1", "port": 8080},
///   "dataDirectory": "data",
///   "tenantsDirectory": "config/tenants",
///   "maxRequestBytes": 1048576,
///   "maxBatchEvents": 500,
///   "requestTimeoutSeconds": 30,
///   "allowPrivateAddresses": false,
///   "adminToken": {"env": "ROUTER_ADMIN_TOKEN"},
///   "viewerToken": {"env": "ROUTER_VIEWER_TOKEN"},
///   "recordRetentionDays": 7,
///   "maxStoreBytes": 8589934592,
///   "maxBacklogEventsPerTenant": 50000000,
///   "store": {"kind": "sqlite"}
/// }
/// ```
/// Every key is optional; relative paths resolve against the folder `serve` runs in.
public struct ServerConfiguration: Sendable, Equatable, Decodable {
    /// Where the HTTP server listens.
    public struct Listen: Sendable, Equatable, Decodable {
        /// The address to bind. Default `127.0.0.1`.
        public var host: String
        /// The TCP port; 0 picks a free one. Default 8080.
        public var port: Int

        /// Creates a listen address.
        public init(host: String = "127.0.0.1", port: Int = 8080) {
            self.host = host
            self.port = port
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case host, port }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.host = try container.decodeIfPresent(String.self, forKey: .host) ?? "127.0.0.1"
            self.port = try container.decodeIfPresent(Int.self, forKey: .port) ?? 8080
            guard (0...65535).contains(self.port) else {
                throw DecodingError.dataCorruptedError(forKey: .port, in: container, debugDescription: "must be between 0 and 65535")
            }
            guard !self.host.isEmpty else {
                throw DecodingError.dataCorruptedError(forKey: .host, in: container, debugDescription: "must not be empty, e.g. 127.0.0.1")
            }
        }
    }

    /// Where the HTTP server listens.
    public var listen: Listen
    /// Where the event store and other state live. Default `data`.
    public var dataDirectory: String
    /// The folder of tenant files (`*.json`, one tenant each). Default `config/tenants`.
    public var tenantsDirectory: String
    /// The largest request body accepted, in bytes. Default 1 MiB.
    public var maxRequestBytes: Int
    /// The most events accepted in one batch request. Default 500.
    public var maxBatchEvents: Int
    /// How long a request's body may take to arrive (past it: 408 `request_timeout`, and the
    /// connection closes); a connection that sends nothing for a second longer (idle between
    /// requests, or stalled in a request's head) is closed. A request being answered is not cut
    /// off. Default 30.
    public var requestTimeoutSeconds: Double
    /// Whether destination URLs may point at loopback, private, link-local or metadata
    /// addresses. Default false; tests and on-premises receivers set it true.
    public var allowPrivateAddresses: Bool
    /// Where the admin bearer token comes from; nil keeps the admin routes closed.
    public var adminToken: SecretSource?
    /// Where the viewer token comes from: it signs in to the console and reads the JSON API
    /// with masked values and no rights to change anything; nil keeps the viewer role off.
    public var viewerToken: SecretSource?
    /// How long delivered and dead events and their delivery records are kept. Default 7 days.
    public var recordRetentionDays: Double
    /// Ingest answers 503 once the store is this large. Default 8 GiB.
    public var maxStoreBytes: Int64
    /// Ingest answers 503 for a tenant with this many undelivered events. Default 50 million.
    public var maxBacklogEventsPerTenant: Int
    /// Where the event queue lives. Default SQLite in `dataDirectory`.
    public var store: StoreConfiguration

    /// Creates a configuration with the documented defaults.
    public init(
        listen: Listen = Listen(),
        dataDirectory: String = "data",
        tenantsDirectory: String = "config/tenants",
        maxRequestBytes: Int = 1 << 20,
        maxBatchEvents: Int = 500,
        requestTimeoutSeconds: Double = 30,
        allowPrivateAddresses: Bool = false,
        adminToken: SecretSource? = nil,
        viewerToken: SecretSource? = nil,
        recordRetentionDays: Double = 7,
        maxStoreBytes: Int64 = 8 << 30,
        maxBacklogEventsPerTenant: Int = 50_000_000,
        store: StoreConfiguration = .sqlite
    ) {
        self.listen = listen
        self.dataDirectory = dataDirectory
        self.tenantsDirectory = tenantsDirectory
        self.maxRequestBytes = maxRequestBytes
        self.maxBatchEvents = maxBatchEvents
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.allowPrivateAddresses = allowPrivateAddresses
        self.adminToken = adminToken
        self.viewerToken = viewerToken
        self.recordRetentionDays = recordRetentionDays
        self.maxStoreBytes = maxStoreBytes
        self.maxBacklogEventsPerTenant = maxBacklogEventsPerTenant
        self.store = store
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen, dataDirectory, tenantsDirectory, maxRequestBytes, maxBatchEvents, requestTimeoutSeconds, allowPrivateAddresses
        case adminToken, viewerToken, recordRetentionDays, maxStoreBytes, maxBacklogEventsPerTenant, store
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ServerConfiguration()
        self.listen = try container.decodeIfPresent(Listen.self, forKey: .listen) ?? defaults.listen
        self.dataDirectory = try container.decodeIfPresent(String.self, forKey: .dataDirectory) ?? defaults.dataDirectory
        self.tenantsDirectory = try container.decodeIfPresent(String.self, forKey: .tenantsDirectory) ?? defaults.tenantsDirectory
        self.maxRequestBytes = try container.decodeIfPresent(Int.self, forKey: .maxRequestBytes) ?? defaults.maxRequestBytes
        self.maxBatchEvents = try container.decodeIfPresent(Int.self, forKey: .maxBatchEvents) ?? defaults.maxBatchEvents
        self.requestTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .requestTimeoutSeconds) ?? defaults.requestTimeoutSeconds
        self.allowPrivateAddresses = try container.decodeIfPresent(Bool.self, forKey: .allowPrivateAddresses) ?? defaults.allowPrivateAddresses
        self.adminToken = try container.decodeIfPresent(SecretSource.self, forKey: .adminToken)
        self.viewerToken = try container.decodeIfPresent(SecretSource.self, forKey: .viewerToken)
        self.recordRetentionDays = try container.decodeIfPresent(Double.self, forKey: .recordRetentionDays) ?? defaults.recordRetentionDays
        self.maxStoreBytes = try container.decodeIfPresent(Int64.self, forKey: .maxStoreBytes) ?? defaults.maxStoreBytes
        self.maxBacklogEventsPerTenant =
            try container.decodeIfPresent(Int.self, forKey: .maxBacklogEventsPerTenant) ?? defaults.maxBacklogEventsPerTenant
        self.store = try container.decodeIfPresent(StoreConfiguration.self, forKey: .store) ?? .sqlite
        guard self.recordRetentionDays > 0, self.recordRetentionDays <= 3650 else {
            throw DecodingError.dataCorruptedError(forKey: .recordRetentionDays, in: container, debugDescription: "must be between 0 and 3650 days, e.g. 7")
        }
        guard self.maxStoreBytes >= 1 << 20 else {
            throw DecodingError.dataCorruptedError(forKey: .maxStoreBytes, in: container, debugDescription: "must be at least 1048576 bytes, e.g. 8589934592 for 8 GiB")
        }
        guard self.maxBacklogEventsPerTenant >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .maxBacklogEventsPerTenant, in: container, debugDescription: "must be at least 1, e.g. 50000000")
        }
        guard (1024...(64 << 20)).contains(self.maxRequestBytes) else {
            throw DecodingError.dataCorruptedError(
                forKey: .maxRequestBytes,
                in: container,
                debugDescription: "must be between 1024 and 67108864 bytes, e.g. 1048576"
            )
        }
        guard self.requestTimeoutSeconds >= 0.1, self.requestTimeoutSeconds <= 3600 else {
            throw DecodingError.dataCorruptedError(forKey: .requestTimeoutSeconds, in: container, debugDescription: "must be between 0.1 and 3600 seconds, e.g. 30")
        }
        guard (1...10_000).contains(self.maxBatchEvents) else {
            throw DecodingError.dataCorruptedError(forKey: .maxBatchEvents, in: container, debugDescription: "must be between 1 and 10000, e.g. 500")
        }
        guard !self.dataDirectory.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .dataDirectory, in: container, debugDescription: "must not be empty, e.g. \"data\"")
        }
    }
}
