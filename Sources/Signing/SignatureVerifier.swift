/// Checks that a request body was signed with one of a set of keys under one scheme.
///
/// All comparisons of signatures go through `ConstantTime.equal` (OpenSSL's `CRYPTO_memcmp`).
public struct SignatureVerifier: Sendable {
    /// The scheme the sender must use.
    public let scheme: SignatureScheme
    /// The accepted keys; several during rotation.
    public let keys: [SigningKey]
    /// How far a Standard Webhooks timestamp may be from now, either way, in seconds.
    public let toleranceSeconds: Int64

    /// Creates a verifier.
    ///
    /// - Parameters:
    ///   - scheme: the scheme required.
    ///   - keys: the accepted keys; a signature made with any of them is valid.
    ///   - toleranceSeconds: the Standard Webhooks timestamp tolerance; 5 minutes by default, as the
    ///     reference libraries use.
    public init(scheme: SignatureScheme, keys: [SigningKey], toleranceSeconds: Int64 = 300) {
        self.scheme = scheme
        self.keys = keys
        self.toleranceSeconds = toleranceSeconds
    }

    /// Verifies `body` against the signature headers.
    ///
    /// - Parameters:
    ///   - body: the raw body bytes exactly as received.
    ///   - header: looks a header up by its lowercase name.
    ///   - now: the current Unix time in seconds.
    /// - Throws: `SignatureVerificationError` saying which header is missing or malformed, that the
    ///   timestamp is out of tolerance, or that no signature matches.
    public func verify(
        body: some Collection<UInt8>,
        header: (String) -> String?,
        now: Int64
    ) throws(SignatureVerificationError) {
        switch self.scheme {
        case .xHubSignature:
            try self.verifyHub(body: body, header: header, name: SignatureHeader.hubSignature, algorithm: .sha1, prefix: "sha1=", prefixRequired: false)
        case .xHubSignature256:
            try self.verifyHub(body: body, header: header, name: SignatureHeader.hubSignature256, algorithm: .sha256, prefix: "sha256=", prefixRequired: true)
        case .standardWebhooks:
            try self.verifyStandardWebhooks(body: body, header: header, now: now)
        }
    }

    /// "the x-hub-signature header is missing", plus which scheme the tenant expects and which
    /// other scheme's header came instead, when one did.
    private func missingMessage(_ name: String, header: (String) -> String?) -> String {
        let others: [(SignatureScheme, String)] = [
            (.xHubSignature, SignatureHeader.hubSignature),
            (.xHubSignature256, SignatureHeader.hubSignature256),
            (.standardWebhooks, SignatureHeader.webhookSignature),
        ]
        guard let (scheme, sent) = others.first(where: { $0.0 != self.scheme && header($0.1) != nil }) else {
            return "the \(name) header is missing"
        }
        return "the \(name) header is missing: this tenant expects the \(self.scheme.rawValue) scheme, but the request carries \(sent) (the \(scheme.rawValue) scheme)"
    }

    private func verifyHub(
        body: some Collection<UInt8>,
        header: (String) -> String?,
        name: String,
        algorithm: HMAC.Algorithm,
        prefix: String,
        prefixRequired: Bool
    ) throws(SignatureVerificationError) {
        guard let value = header(name)?.trimmingSpaces, !value.isEmpty else {
            throw SignatureVerificationError(code: .missingHeader, header: name, message: self.missingMessage(name, header: header))
        }
        var hex = Substring(value)
        if hex.lowercased().hasPrefix(prefix) {
            hex = hex.dropFirst(prefix.count)
        } else if prefixRequired {
            throw SignatureVerificationError(code: .malformedHeader, header: name, message: "the \(name) header must start with \"\(prefix)\"")
        }
        guard let presented = Hex.decode(hex), presented.count == algorithm.digestLength else {
            throw SignatureVerificationError(
                code: .malformedHeader,
                header: name,
                message: "the \(name) header must hold \(algorithm.digestLength * 2) hex digits"
            )
        }
        for key in self.keys where ConstantTime.equal(HMAC.authenticationCode(algorithm, key: key.bytes, message: body), presented) {
            return
        }
        throw SignatureVerificationError(code: .mismatch, header: name, message: "the \(name) signature does not match the body")
    }

    private func verifyStandardWebhooks(
        body: some Collection<UInt8>,
        header: (String) -> String?,
        now: Int64
    ) throws(SignatureVerificationError) {
        guard let id = header(SignatureHeader.webhookID)?.trimmingSpaces, !id.isEmpty else {
            throw SignatureVerificationError(code: .missingHeader, header: SignatureHeader.webhookID, message: self.missingMessage(SignatureHeader.webhookID, header: header))
        }
        guard let timestampText = header(SignatureHeader.webhookTimestamp)?.trimmingSpaces, !timestampText.isEmpty else {
            throw SignatureVerificationError(code: .missingHeader, header: SignatureHeader.webhookTimestamp, message: "the webhook-timestamp header is missing")
        }
        guard timestampText.utf8.count <= 12, timestampText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let timestamp = Int64(timestampText) else {
            throw SignatureVerificationError(
                code: .malformedHeader,
                header: SignatureHeader.webhookTimestamp,
                message: "the webhook-timestamp header must be Unix seconds"
            )
        }
        guard let signatureList = header(SignatureHeader.webhookSignature)?.trimmingSpaces, !signatureList.isEmpty else {
            throw SignatureVerificationError(code: .missingHeader, header: SignatureHeader.webhookSignature, message: "the webhook-signature header is missing")
        }
        if now - timestamp > self.toleranceSeconds {
            throw SignatureVerificationError(
                code: .staleTimestamp,
                header: SignatureHeader.webhookTimestamp,
                message: "the webhook-timestamp is \(now - timestamp) s old; at most \(self.toleranceSeconds) s is accepted"
            )
        }
        if timestamp - now > self.toleranceSeconds {
            throw SignatureVerificationError(
                code: .futureTimestamp,
                header: SignatureHeader.webhookTimestamp,
                message: "the webhook-timestamp is \(timestamp - now) s in the future; at most \(self.toleranceSeconds) s is accepted"
            )
        }
        var presented: [[UInt8]] = []
        for entry in signatureList.split(separator: " ", omittingEmptySubsequences: true) {
            guard let comma = entry.firstIndex(of: ",") else { continue }
            guard entry[..<comma] == "v1", let bytes = Base64.decode(entry[entry.index(after: comma)...]) else { continue }
            presented.append(bytes)
        }
        guard !presented.isEmpty else {
            throw SignatureVerificationError(
                code: .malformedHeader,
                header: SignatureHeader.webhookSignature,
                message: "the webhook-signature header holds no \"v1,<base64>\" signature"
            )
        }
        for key in self.keys {
            let expected = StandardWebhooksMessage.code(key: key, id: id, timestamp: timestamp, body: body)
            for candidate in presented where ConstantTime.equal(expected, candidate) {
                return
            }
        }
        throw SignatureVerificationError(
            code: .mismatch,
            header: SignatureHeader.webhookSignature,
            message: "no signature in webhook-signature matches the body"
        )
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var view = Substring(self)
        while view.first == " " || view.first == "\t" { view.removeFirst() }
        while view.last == " " || view.last == "\t" { view.removeLast() }
        return String(view)
    }
}
