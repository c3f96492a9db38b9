import COpenSSL

/// Comparisons whose running time does not depend on where two secrets differ.
public enum ConstantTime {
    /// True when `lhs` and `rhs` hold the same bytes, compared with OpenSSL's `CRYPTO_memcmp`.
    ///
    /// Lengths are public (a digest's length is known), so a length mismatch returns at once.
    public static func equal(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        let left = Array(lhs)
        let right = Array(rhs)
        guard left.count == right.count else { return false }
        guard !left.isEmpty else { return true }
        return left.withUnsafeBytes { leftPointer in
            right.withUnsafeBytes { rightPointer in
                CRYPTO_memcmp(leftPointer.baseAddress, rightPointer.baseAddress, left.count) == 0
            }
        }
    }
}
