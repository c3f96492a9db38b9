/// Why a signed request was not accepted. Never contains a secret or an expected signature.
public struct SignatureVerificationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A closed set of reasons, safe as a metric label and in API bodies.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        private init(_ description: String) { self.description = description }
        /// A header the scheme needs is absent.
        public static var missingHeader: Self { .init("missing_signature") }
        /// A header is present but not in the scheme's format.
        public static var malformedHeader: Self { .init("malformed_signature") }
        /// The signed timestamp is older than the tolerance.
        public static var staleTimestamp: Self { .init("stale_timestamp") }
        /// The signed timestamp is further in the future than the tolerance.
        public static var futureTimestamp: Self { .init("future_timestamp") }
        /// The header is well formed but no signature matches the body.
        public static var mismatch: Self { .init("signature_mismatch") }
    }

    /// The reason, from a closed set.
    public let code: Code
    /// The header at fault.
    public let header: String
    /// A sentence for humans.
    public let message: String

    public var description: String { self.message }
}
