import RouterCore
import Signing

/// The `settings` block of a `"webhook"` destination.
///
/// ```json
/// {"url": "https://hooks.example.com/retention",
///  "secrets": [{"env": "ACME_WEBHOOK_SECRET"}],
///  "scheme": "standard-webhooks",
///  "headers": {"X-Team": "growth", "Authorization": {"env": "ACME_WEBHOOK_AUTH"}},
///  "timeout": 10, "concurrency": 8,
///  "retrySchedule": [5, 300, 1800, 7200, 18000, 36000, 36000]}
/// ```
public struct WebhookSettings: Decodable, Sendable {
    /// Where events are POSTed; http or https. Required.
    public var url: String
    /// Signing secrets, newest first; several during rotation. Required. For
    /// `standard-webhooks` each is `whsec_` + base64 of 24 to 64 random bytes.
    public var secrets: [SecretReference]
    /// `standard-webhooks` (default) or `x-hub-signature-256`.
    public var scheme: SignatureScheme
    /// Extra request headers; they cannot replace the signature or framing headers. A value is
    /// inline or, like every secret, `{"env": NAME}`; values are never logged, and a preview
    /// masks those from the environment.
    public var headers: [String: SecretReference]
    /// Seconds one request may take, connection included. Default 10.
    public var timeout: Double
    /// Requests in flight at once for this destination. Default 8.
    public var concurrency: Int
    /// Seconds to wait after the 1st, 2nd, ... failure (±20% jitter); after the last, the event
    /// becomes a dead letter. Default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    public var retrySchedule: [Double]

    /// The default retry schedule, as Svix and the Standard Webhooks spec suggest.
    public static let defaultRetrySchedule: [Double] = [5, 300, 1800, 7200, 18000, 36000, 36000]
    /// Header names a setting may not use.
    static let reservedHeaders: Set<String> = [
        "content-type", "content-length", "transfer-encoding", "host", "connection",
        SignatureHeader.webhookID, SignatureHeader.webhookTimestamp, SignatureHeader.webhookSignature,
        SignatureHeader.hubSignature, SignatureHeader.hubSignature256,
    ]

    enum CodingKeys: String, CodingKey, CaseIterable { case url, secrets, scheme, headers, timeout, concurrency, retrySchedule }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.url = try container.decode(String.self, forKey: .url)
        self.secrets = try container.decode([SecretReference].self, forKey: .secrets)
        let schemeName = try container.decodeIfPresent(String.self, forKey: .scheme) ?? SignatureScheme.standardWebhooks.rawValue
        guard let scheme = SignatureScheme(rawValue: schemeName), scheme != .xHubSignature else {
            throw DecodingError.dataCorruptedError(
                forKey: .scheme,
                in: container,
                debugDescription: "\"\(schemeName)\" is not an outbound scheme; expected standard-webhooks or x-hub-signature-256"
            )
        }
        self.scheme = scheme
        self.headers = try container.decodeIfPresent([String: SecretReference].self, forKey: .headers) ?? [:]
        self.timeout = try container.decodeIfPresent(Double.self, forKey: .timeout) ?? 10
        self.concurrency = try container.decodeIfPresent(Int.self, forKey: .concurrency) ?? 8
        self.retrySchedule = try container.decodeIfPresent([Double].self, forKey: .retrySchedule) ?? Self.defaultRetrySchedule
        guard !self.secrets.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .secrets, in: container, debugDescription: "must hold at least one secret, e.g. [{\"env\": \"ACME_WEBHOOK_SECRET\"}]")
        }
        guard (0.1...300).contains(self.timeout) else {
            throw DecodingError.dataCorruptedError(forKey: .timeout, in: container, debugDescription: "must be between 0.1 and 300 seconds, e.g. 10")
        }
        guard (1...256).contains(self.concurrency) else {
            throw DecodingError.dataCorruptedError(forKey: .concurrency, in: container, debugDescription: "must be between 1 and 256, e.g. 8")
        }
        guard !self.retrySchedule.isEmpty, self.retrySchedule.allSatisfy({ $0 >= 0.01 && $0 <= 7 * 86_400 }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .retrySchedule,
                in: container,
                debugDescription: "must list one or more waits between 0.01 and 604800 seconds, e.g. [5, 300, 1800]"
            )
        }
    }
}
