import RouterCore
import Signing

/// A signed-in operator's session, carried entirely in a cookie so every router instance that
/// shares the admin token accepts it (no session table to share).
///
/// The cookie is `v1.ISSUED.SEEN.NONCE.MAC`: times in seconds since 1970, a random nonce, and an
/// HMAC-SHA256 (OpenSSL, through `Signing`) over the rest, keyed with a key derived from the admin
/// token. Changing the token changes the key, which ends every session. A session lapses after
/// `idleLimit` without a request (each request that finds it older than a minute renews `SEEN`),
/// and after `absoluteLimit` in any case.
public struct ConsoleSession: Sendable, Equatable {
    /// How long a session lives without a request: 8 hours.
    public static let idleLimit: Int64 = 8 * 3600
    /// How long a session lives at most, however busy: 7 days.
    public static let absoluteLimit: Int64 = 7 * 86_400
    /// The cookie's name.
    public static let cookieName = "rr_console"

    /// When the operator signed in (seconds since 1970).
    public var issued: Int64
    /// When the session was last used (seconds since 1970).
    public var seen: Int64
    /// The session's random identity (hex), which its CSRF token is bound to.
    public var nonce: String

    /// Creates a session.
    public init(issued: Int64, seen: Int64, nonce: String) {
        self.issued = issued
        self.seen = seen
        self.nonce = nonce
    }

    /// A new session at `now`, with a fresh random nonce.
    public static func start(at now: Timestamp) -> ConsoleSession {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return ConsoleSession(issued: now.secondsSince1970, seen: now.secondsSince1970, nonce: Hex.encode(bytes))
    }

    /// True while the session has been used within `idleLimit` of `now` and is younger than
    /// `absoluteLimit`.
    public func isLive(at now: Timestamp) -> Bool {
        let seconds = now.secondsSince1970
        return seconds - self.seen < Self.idleLimit && self.seen <= seconds + 60 && seconds - self.issued < Self.absoluteLimit
    }
}

/// Signs and checks console sessions and their CSRF tokens with a key derived from the admin token.
public struct ConsoleSessionSigner: Sendable {
    private let key: [UInt8]

    /// Derives the signing key from the admin token.
    public init(adminToken: String) {
        self.key = HMAC.authenticationCode(.sha256, key: Array(adminToken.utf8), message: Array("retention-router console session key v1".utf8))
    }

    /// The cookie value for `session`.
    public func encode(_ session: ConsoleSession) -> String {
        let payload = "v1.\(session.issued).\(session.seen).\(session.nonce)"
        return payload + "." + self.mac(payload)
    }

    /// The session a cookie value carries, when it is well formed and its signature is this key's.
    public func decode(_ value: some StringProtocol) -> ConsoleSession? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "v1", let issued = Int64(parts[1]), let seen = Int64(parts[2]) else { return nil }
        let nonce = String(parts[3])
        guard nonce.count == 32, Hex.decode(nonce) != nil else { return nil }
        let payload = "v1.\(issued).\(seen).\(nonce)"
        guard ConstantTime.equal(Array(self.mac(payload).utf8), Array(parts[4].utf8)) else { return nil }
        return ConsoleSession(issued: issued, seen: seen, nonce: nonce)
    }

    /// The CSRF token bound to `session`: forms carry it, and every POST must echo it.
    public func csrfToken(for session: ConsoleSession) -> String {
        self.mac("csrf." + session.nonce)
    }

    /// True when `token` is `session`'s CSRF token (constant time).
    public func checkCSRF(_ token: String?, for session: ConsoleSession) -> Bool {
        guard let token else { return false }
        return ConstantTime.equal(Array(token.utf8), Array(self.csrfToken(for: session).utf8))
    }

    private func mac(_ text: String) -> String {
        Hex.encode(HMAC.authenticationCode(.sha256, key: self.key, message: Array(text.utf8)))
    }
}
