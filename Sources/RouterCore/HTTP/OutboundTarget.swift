/// Where one delivery attempt may connect, as `OutboundAddressGuard.target(for:)` decided.
public enum OutboundTarget: Sendable, Equatable {
    /// Private addresses are allowed: connect as the URL says.
    case unpinned
    /// Connect to this address (text form) and no other; the URL's host name stays for TLS and
    /// the `Host` header.
    case pinned(address: String)
    /// The host is, or resolves to, an address that is refused: a dead letter, not a retry.
    case refused(FailureReason)
    /// The name could not be resolved now: retry later.
    case unresolved(FailureReason)
}
