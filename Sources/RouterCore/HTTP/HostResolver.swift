/// Turns a host name into the addresses to connect to.
///
/// The address guard asks it once per delivery attempt and connects only to an address it
/// checked from that answer. Implementations must not cache longer than the name's TTL allows;
/// tests inject one whose answer changes between calls (DNS rebinding).
public protocol HostResolver: Sendable {
    /// The addresses of `host`, 4 (IPv4) or 16 (IPv6) bytes each, in the order to try them.
    ///
    /// - Throws: when the name cannot be resolved now; the attempt is retried later.
    func addresses(of host: String) async throws -> [[UInt8]]
}
