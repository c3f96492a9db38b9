/// Makes the signature headers a body needs under one scheme.
///
/// With several keys (secret rotation), Standard Webhooks gets one `v1,` signature per key,
/// space-separated; the single-value hub schemes sign with the first key.
public struct Signer: Sendable {
    /// The scheme whose headers this signer writes.
    public let scheme: SignatureScheme
    /// The keys to sign with, newest first. Never empty.
    public let keys: [SigningKey]

    /// Creates a signer; `keys` must not be empty.
    public init(scheme: SignatureScheme, keys: [SigningKey]) {
        precondition(!keys.isEmpty, "a signer needs at least one key")
        self.scheme = scheme
        self.keys = keys
    }

    /// Returns the headers (lowercase names) that sign `body`.
    ///
    /// - Parameters:
    ///   - body: the exact bytes that will be sent.
    ///   - id: the message id; used by Standard Webhooks only, and stable across retries.
    ///   - timestamp: Unix seconds of this attempt; used by Standard Webhooks only.
    public func headers(body: some Collection<UInt8>, id: String, timestamp: Int64) -> [(name: String, value: String)] {
        switch self.scheme {
        case .xHubSignature:
            let code = HMAC.authenticationCode(.sha1, key: self.keys[0].bytes, message: body)
            return [(SignatureHeader.hubSignature, Hex.encode(code))]
        case .xHubSignature256:
            let code = HMAC.authenticationCode(.sha256, key: self.keys[0].bytes, message: body)
            return [(SignatureHeader.hubSignature256, "sha256=" + Hex.encode(code))]
        case .standardWebhooks:
            let signatures = self.keys.map { key in
                "v1," + Base64.encode(StandardWebhooksMessage.code(key: key, id: id, timestamp: timestamp, body: body))
            }
            return [
                (SignatureHeader.webhookID, id),
                (SignatureHeader.webhookTimestamp, String(timestamp)),
                (SignatureHeader.webhookSignature, signatures.joined(separator: " ")),
            ]
        }
    }
}

/// The signed content of Standard Webhooks: `id.timestamp.body`.
enum StandardWebhooksMessage {
    static func code(key: SigningKey, id: String, timestamp: Int64, body: some Collection<UInt8>) -> [UInt8] {
        var message: [UInt8] = []
        message.reserveCapacity(id.utf8.count + 24 + body.count)
        message.append(contentsOf: id.utf8)
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: String(timestamp).utf8)
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: body)
        return HMAC.authenticationCode(.sha256, key: key.bytes, message: message)
    }
}
