import COpenSSL

/// SHA-256 digests computed by OpenSSL, for recognizing bytes seen before (a tenant file that
/// did not change), not for signatures (those are `HMAC`).
public enum SHA256 {
    /// The digest length in bytes.
    public static let digestLength = 32

    /// The algorithm fetched once: OpenSSL 3 looks the provider's implementation up on every
    /// call given the legacy `EVP_sha256()` handle, which costs more than hashing a small file.
    private static let algorithm = FetchedSHA256()

    /// Returns the SHA-256 digest of `bytes`.
    public static func digest(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Self.digestLength)
        var outputLength: UInt32 = 0
        let hash = { (pointer: UnsafeRawBufferPointer) -> Int32 in
            output.withUnsafeMutableBufferPointer { outputPointer in
                EVP_Digest(pointer.baseAddress, pointer.count, outputPointer.baseAddress, &outputLength, Self.algorithm.handle, nil)
            }
        }
        let result = bytes.withContiguousStorageIfAvailable { hash(UnsafeRawBufferPointer($0)) } ?? Array(bytes).withUnsafeBytes(hash)
        // EVP_Digest only fails on allocation failure; that is not recoverable.
        precondition(result == 1 && outputLength == Self.digestLength, "OpenSSL SHA-256 failed")
        return output
    }
}

/// SHA-256 fetched from OpenSSL's default provider, kept for the life of the process.
///
/// `@unchecked Sendable`: an `EVP_MD` is immutable and reference-counted by OpenSSL, which
/// allows using one from several threads at once.
private final class FetchedSHA256: @unchecked Sendable {
    let handle: OpaquePointer?

    init() {
        // Falls back to the legacy handle (which fetches per call) if the fetch fails.
        self.handle = EVP_MD_fetch(nil, "SHA256", nil) ?? EVP_sha256()
    }
}
