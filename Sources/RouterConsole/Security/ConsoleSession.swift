import RouterCore
import Signing

/// A signed-in operator's session, carried entirely in a cookie so every router instance that
/// shares the admin token accepts it (no session table to share).
///
/// The cookie is `v2.ISSUED.SEEN.NONCE.ROLE.MAC`: times in seconds since 1970, a random nonce,
/// the role, and an HMAC-SHA256 (OpenSSL, through `Signing`) over the rest, keyed with a key
/// derived from the admin and viewer tokens. Changing either token changes the key, which ends
/// every session. A session lapses after
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
    /// What the operator may do: the role of the token they signed in with.
    public var role: OperatorRole

    /// Creates a session.
    public init(issued: Int64, seen: Int64, nonce: String, role: OperatorRole = .admin) {
        self.issued = issued
        self.seen = seen
        self.nonce = nonce
        self.role = role
    }

    /// A new session at `now` for `role`, with a fresh random nonce.
    public static func start(at now: Timestamp, role: OperatorRole = .admin) -> ConsoleSession {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return ConsoleSession(issued: now.secondsSince1970, seen: now.secondsSince1970, nonce: Hex.encode(bytes), role: role)
    }

    /// True while the session has been used within `idleLimit` of `now` and is younger than
    /// `absoluteLimit`.
    public func isLive(at now: Timestamp) -> Bool {
        let seconds = now.secondsSince1970
        return seconds - self.seen < Self.idleLimit && self.seen <= seconds + 60 && seconds - self.issued < Self.absoluteLimit
    }
}

/// Signs and checks console sessions and their CSRF tokens with a key derived from the
/// operator tokens.
public struct ConsoleSessionSigner: Sendable {
    private let key: [UInt8]

    /// Derives the signing key from the operator tokens.
    public init(tokens: OperatorTokens) {
        self.key = HMAC.authenticationCode(.sha256, key: Array(tokens.sessionSecret.utf8), message: Array("retention-router console session key v2".utf8))
    }

    /// Derives the signing key from an admin token alone (no viewer role).
    public init(adminToken: String) {
        self.init(tokens: OperatorTokens(admin: adminToken, viewer: nil))
    }

    /// The cookie value for `session`.
    public func encode(_ session: ConsoleSession) -> String {
        let payload = "v2.\(session.issued).\(session.seen).\(session.nonce).\(session.role.rawValue)"
        return payload + "." + self.mac(payload)
    }

    /// The session a cookie value carries, when it is well formed and its signature is this key's.
    public func decode(_ value: some StringProtocol) -> ConsoleSession? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "v2", let issued = Int64(parts[1]), let seen = Int64(parts[2]) else { return nil }
        let nonce = String(parts[3])
        guard nonce.count == 32, Hex.decode(nonce) != nil, let role = OperatorRole(rawValue: String(parts[4])) else { return nil }
        let payload = "v2.\(issued).\(seen).\(nonce).\(role.rawValue)"
        guard ConstantTime.equal(Array(self.mac(payload).utf8), Array(parts[5].utf8)) else { return nil }
        return ConsoleSession(issued: issued, seen: seen, nonce: nonce, role: role)
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
