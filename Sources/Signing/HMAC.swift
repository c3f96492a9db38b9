import COpenSSL

/// Keyed-hash message authentication codes computed by OpenSSL.
///
/// Every signature the router makes or checks goes through this type, so the hash code lives in
/// one audited library rather than in ours.
public enum HMAC {
    /// The digest algorithms the router's signature schemes use.
    public enum Algorithm: Sendable {
        case sha1
        case sha256

        /// The digest length in bytes.
        public var digestLength: Int {
            switch self {
            case .sha1: 20
            case .sha256: 32
            }
        }

        fileprivate var evp: OpaquePointer? {
            switch self {
            case .sha1: EVP_sha1()
            case .sha256: EVP_sha256()
            }
        }
    }

    /// Returns the HMAC of `message` keyed with `key`.
    ///
    /// - Parameters:
    ///   - algorithm: the digest to use.
    ///   - key: the secret key bytes; any length.
    ///   - message: the bytes to authenticate.
    public static func authenticationCode(
        _ algorithm: Algorithm,
        key: some Collection<UInt8>,
        message: some Collection<UInt8>
    ) -> [UInt8] {
        let keyBytes = Array(key)
        return Self.withContiguousBytes(message) { messagePointer in
            keyBytes.withUnsafeBytes { keyPointer in
                var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
                var outputLength: UInt32 = 0
                let result = output.withUnsafeMutableBufferPointer { outputPointer in
                    COpenSSL.HMAC(
                        algorithm.evp,
                        keyPointer.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                        Int32(keyPointer.count),
                        messagePointer.baseAddress?.assumingMemoryBound(to: UInt8.self),
                        messagePointer.count,
                        outputPointer.baseAddress,
                        &outputLength
                    )
                }
                // HMAC only fails on allocation failure or an unknown digest; neither is recoverable.
                precondition(result != nil, "OpenSSL HMAC failed")
                return Array(output.prefix(Int(outputLength)))
            }
        }
    }

    private static func withContiguousBytes<R>(
        _ bytes: some Collection<UInt8>,
        _ body: (UnsafeRawBufferPointer) -> R
    ) -> R {
        if let result = bytes.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes(body)
    }
}
