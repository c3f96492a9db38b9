/// A way of signing an HTTP body that a tenant or a receiver can require.
public enum SignatureScheme: String, Sendable, CaseIterable, Codable {
    /// `X-Hub-Signature`: lowercase hex HMAC-SHA1 of the raw body, optionally prefixed `sha1=`.
    /// This is what Chargebee Retention sends.
    case xHubSignature = "x-hub-signature"
    /// `X-Hub-Signature-256`: `sha256=` followed by the hex HMAC-SHA256 of the raw body (GitHub style).
    case xHubSignature256 = "x-hub-signature-256"
    /// Standard Webhooks v1: `webhook-id`, `webhook-timestamp` and `webhook-signature` headers,
    /// HMAC-SHA256 over `id.timestamp.body` keyed with a `whsec_` secret.
    case standardWebhooks = "standard-webhooks"

    /// The names of every scheme, for error messages.
    public static var names: String {
        Self.allCases.map(\.rawValue).joined(separator: ", ")
    }
}

/// Header names the schemes use, lowercase as HTTP/2 and our lookups expect.
public enum SignatureHeader {
    public static let hubSignature = "x-hub-signature"
    public static let hubSignature256 = "x-hub-signature-256"
    public static let webhookID = "webhook-id"
    public static let webhookTimestamp = "webhook-timestamp"
    public static let webhookSignature = "webhook-signature"
}
