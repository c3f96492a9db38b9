import Signing

/// The tokens that sign operators in, and which role each one grants. Both compare in
/// constant time; a tenant's ingest secret never opens anything here.
public struct OperatorTokens: Sendable {
    /// The admin token; nil keeps the admin role off.
    public let admin: String?
    /// The viewer token; nil keeps the viewer role off.
    public let viewer: String?

    /// Creates the token set. A viewer token equal to the admin token is ignored, so the
    /// shared secret never grants less than it says.
    public init(admin: String?, viewer: String?) {
        self.admin = admin
        self.viewer = viewer == admin ? nil : viewer
    }

    /// True when at least one role can sign in.
    public var isOpen: Bool { self.admin != nil || self.viewer != nil }

    /// The role `given` signs in as, or nil when it is neither token.
    public func role(for given: some StringProtocol) -> OperatorRole? {
        let bytes = Array(given.utf8)
        // Both comparisons always run, so the time taken says nothing about which one matched.
        let isAdmin = self.admin.map { ConstantTime.equal(bytes, Array($0.utf8)) } ?? false
        let isViewer = self.viewer.map { ConstantTime.equal(bytes, Array($0.utf8)) } ?? false
        if isAdmin { return .admin }
        if isViewer { return .viewer }
        return nil
    }

    /// The key material sessions are signed with: changing either token ends every session.
    var sessionSecret: String {
        "admin:\(self.admin ?? "")\u{0}viewer:\(self.viewer ?? "")"
    }
}
