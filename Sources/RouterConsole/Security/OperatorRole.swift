/// What a signed-in operator may do. The admin token signs in as `admin`, the viewer token as
/// `viewer`; the JSON API takes the same tokens as bearer tokens with the same rights.
public enum OperatorRole: String, Sendable, Equatable, CaseIterable {
    /// Reads every view and changes things: replay, retry now, test sends, reload, reveal, erase.
    case admin
    /// Reads every view with masked properties shown as `••••`; changes nothing.
    case viewer

    /// True when this role may do what `needed` may.
    public func allows(_ needed: OperatorRole) -> Bool {
        self == .admin || needed == .viewer
    }
}
