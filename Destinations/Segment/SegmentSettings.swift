import Foundation
import RouterCore

/// The `settings` block of a `"segment"` destination.
///
/// ```json
/// {
///   "writeKey": {"env": "ACME_SEGMENT_WRITE_KEY"},
///   "endpoint": "https://api.segment.io",
///   "identify": "page_loaded",
///   "integrations": {},
///   "timeout": 15,
///   "maxRetryDuration": 43200,
///   "retry": {"initialDelayMs": 500, "maxDelayMs": 60000}
/// }
/// ```
/// Only `writeKey` is required. Unknown keys are errors.
public struct SegmentSettings: Decodable, Sendable, Equatable {
    /// When an Identify call goes out before an event's Track call.
    public enum IdentifyMode: String, Sendable, CaseIterable, Decodable {
        /// Before the Track of each `page_loaded` event, as Chargebee Retention's own integration does.
        case pageLoaded = "page_loaded"
        /// Before every Track.
        case everyEvent = "every_event"
        /// Never.
        case never
    }

    /// How quickly failed batches are tried again.
    public struct Retry: Decodable, Sendable, Equatable {
        /// The wait after the first failure; it doubles after each further failure. Default 500 ms.
        public var initialDelay: Duration
        /// The longest wait between attempts. Default 60 s.
        public var maxDelay: Duration

        /// The defaults of Segment's libraries: 0.5 s doubling to 60 s.
        public static let standard = Retry(initialDelay: .milliseconds(500), maxDelay: .seconds(60))

        /// Creates retry settings.
        public init(initialDelay: Duration, maxDelay: Duration) {
            self.initialDelay = initialDelay
            self.maxDelay = maxDelay
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case initialDelayMs, maxDelayMs }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let initial = try container.decodeIfPresent(Int64.self, forKey: .initialDelayMs) ?? 500
            let maximum = try container.decodeIfPresent(Int64.self, forKey: .maxDelayMs) ?? 60_000
            guard (1...3_600_000).contains(initial) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .initialDelayMs,
                    in: container,
                    debugDescription: "must be between 1 and 3600000 milliseconds, e.g. 500"
                )
            }
            guard (initial...3_600_000).contains(maximum) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .maxDelayMs,
                    in: container,
                    debugDescription:
                        "must be at least initialDelayMs (\(initial)) and at most 3600000 milliseconds, e.g. 60000"
                )
            }
            self.init(initialDelay: .milliseconds(initial), maxDelay: .milliseconds(maximum))
        }
    }

    /// The US ingestion host, the default.
    public static let usEndpoint = "https://api.segment.io"
    /// The EU (Dublin) ingestion host; EU workspaces must use it.
    public static let euEndpoint = "https://events.eu1.segmentapis.com"

    /// The source's write key, usually as an environment reference: `{"env": "ACME_SEGMENT_WRITE_KEY"}`.
    /// Required.
    public var writeKey: SecretReference
    /// The ingestion base URL, without a trailing slash; batches go to `{endpoint}/v1/batch`.
    /// Written as `"us"` (default, `https://api.segment.io`), `"eu"`
    /// (`https://events.eu1.segmentapis.com`) or any http(s) URL, e.g. a proxy.
    public var endpoint: String
    /// When Identify calls are sent. Default `page_loaded`.
    public var identify: IdentifyMode
    /// The `integrations` object sent with every message, e.g. `{"All": false, "Mixpanel": true}`.
    /// Default `{}`.
    public var integrations: [String: JSONValue]
    /// The most one HTTP request may take, connection included. Default 15 s.
    public var timeout: Duration
    /// How long an event is retried before it becomes a dead letter. Default 12 hours (43200 s).
    public var maxRetryDuration: Duration
    /// The backoff between attempts. Default 0.5 s doubling to 60 s, plus up to 10% jitter.
    public var retry: Retry

    /// Creates settings with the documented defaults.
    public init(
        writeKey: SecretReference,
        endpoint: String = Self.usEndpoint,
        identify: IdentifyMode = .pageLoaded,
        integrations: [String: JSONValue] = [:],
        timeout: Duration = .seconds(15),
        maxRetryDuration: Duration = .seconds(43_200),
        retry: Retry = .standard
    ) {
        self.writeKey = writeKey
        self.endpoint = endpoint
        self.identify = identify
        self.integrations = integrations
        self.timeout = timeout
        self.maxRetryDuration = maxRetryDuration
        self.retry = retry
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case writeKey, endpoint, identify, integrations, timeout, maxRetryDuration, retry
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.writeKey = try container.decode(SecretReference.self, forKey: .writeKey)

        let endpoint = try container.decodeIfPresent(String.self, forKey: .endpoint) ?? "us"
        guard let resolved = Self.resolveEndpoint(endpoint) else {
            let hint = endpoint.contains("/v1") ? " without /v1 (the destination adds /v1/batch)" : ""
            throw DecodingError.dataCorruptedError(
                forKey: .endpoint,
                in: container,
                debugDescription:
                    "must be us, eu or an http(s) URL such as https://api.segment.io\(hint); found \"\(endpoint)\""
            )
        }
        self.endpoint = resolved

        if let name = try container.decodeIfPresent(String.self, forKey: .identify) {
            guard let mode = IdentifyMode(rawValue: name) else {
                let names = IdentifyMode.allCases.map(\.rawValue).joined(separator: ", ")
                throw DecodingError.dataCorruptedError(
                    forKey: .identify,
                    in: container,
                    debugDescription: "must be one of \(names); found \"\(name)\""
                )
            }
            self.identify = mode
        } else {
            self.identify = .pageLoaded
        }

        switch try container.decodeIfPresent(JSONValue.self, forKey: .integrations) {
        case nil, .null?:
            self.integrations = [:]
        case .object(let members)?:
            self.integrations = members
        case let other?:
            throw DecodingError.dataCorruptedError(
                forKey: .integrations,
                in: container,
                debugDescription:
                    "must be an object such as {\"All\": false, \"Mixpanel\": true}; found \(other.typeName)"
            )
        }

        let timeout = try container.decodeIfPresent(Double.self, forKey: .timeout) ?? 15
        guard timeout >= 0.1, timeout <= 300 else {
            throw DecodingError.dataCorruptedError(
                forKey: .timeout,
                in: container,
                debugDescription: "must be between 0.1 and 300 seconds, e.g. 15"
            )
        }
        self.timeout = .milliseconds(Int64((timeout * 1000).rounded()))

        let maxRetryDuration = try container.decodeIfPresent(Int64.self, forKey: .maxRetryDuration) ?? 43_200
        guard maxRetryDuration >= 1, maxRetryDuration <= 30 * 86_400 else {
            throw DecodingError.dataCorruptedError(
                forKey: .maxRetryDuration,
                in: container,
                debugDescription: "must be between 1 and 2592000 seconds (30 days), e.g. 43200 for 12 hours"
            )
        }
        self.maxRetryDuration = .seconds(maxRetryDuration)
        self.retry = try container.decodeIfPresent(Retry.self, forKey: .retry) ?? .standard
    }

    /// Turns `us`, `eu` or an http(s) base URL into a base URL without a trailing slash; nil
    /// when the text is none of these.
    ///
    /// A URL must have a host and no query, fragment or credentials, and must not already end
    /// in `/v1` (the destination adds `/v1/batch`).
    public static func resolveEndpoint(_ text: String) -> String? {
        switch text {
        case "us": return Self.usEndpoint
        case "eu": return Self.euEndpoint
        default: break
        }
        // `ParsedURL`, the one URL parser: what is checked here is what the client connects to.
        guard let url = ParsedURL(text), !url.hasQueryFragmentOrCredentials else { return nil }
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        let path = url.path.lowercased()
        let trimmedPath = path.hasSuffix("/") ? String(path.dropLast()) : path
        guard !trimmedPath.hasSuffix("/v1"), !trimmedPath.hasSuffix("/v1/batch") else { return nil }
        return base
    }
}
