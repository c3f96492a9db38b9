/// The key bytes of one secret, decoded the way its scheme says.
///
/// For `x-hub-signature` and `x-hub-signature-256` the key is the secret's UTF-8 bytes. For
/// `standard-webhooks` the secret is `whsec_` followed by base64, and the key is the decoded bytes.
public struct SigningKey: Sendable {
    /// The raw key bytes handed to HMAC.
    public let bytes: [UInt8]

    /// Decodes `secret` for `scheme`.
    ///
    /// - Throws: `SigningKeyError` when the secret is empty or, for Standard Webhooks, not
    ///   `whsec_` + base64 of at least 16 bytes.
    public init(secret: String, scheme: SignatureScheme) throws(SigningKeyError) {
        switch scheme {
        case .xHubSignature, .xHubSignature256:
            guard !secret.isEmpty else { throw SigningKeyError(message: "the secret is empty") }
            self.bytes = Array(secret.utf8)
        case .standardWebhooks:
            guard secret.hasPrefix("whsec_") else {
                throw SigningKeyError(message: "a standard-webhooks secret starts with \"whsec_\" followed by base64")
            }
            guard let decoded = Base64.decode(secret.dropFirst("whsec_".count)) else {
                throw SigningKeyError(message: "the part after \"whsec_\" is not valid base64")
            }
            guard decoded.count >= 16 else {
                throw SigningKeyError(
                    message: "the secret decodes to \(decoded.count) bytes; use 24 to 64 random bytes"
                )
            }
            self.bytes = decoded
        }
    }

    /// Wraps raw key bytes, e.g. freshly generated ones.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }
}

/// Why a secret cannot be used as a signing key. The message never contains the secret.
public struct SigningKeyError: Error, CustomStringConvertible, Sendable {
    /// What is wrong and how to fix it.
    public let message: String
    public var description: String { self.message }
}
