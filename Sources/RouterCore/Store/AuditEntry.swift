/// One line of the audit log: who did what, when, from where, and what it touched.
///
/// The log is append-only and kept by the event store, so it survives restarts and is shared by
/// the instances of a shared store; it is pruned with the other records
/// (`EventStore.pruneAudit`). An entry never holds event payloads or secrets: an erasure by
/// property value records the property's name and the count, never the value erased.
public struct AuditEntry: Sendable, Equatable {
    /// What was done: a bounded name, safe as a filter and in API bodies.
    public struct Action: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String

        /// An action by its name; any lowercase word, so entries written by a newer router
        /// still read back.
        public init(rawValue: String) { self.rawValue = rawValue }

        public var description: String { self.rawValue }

        /// A console sign-in with the admin or viewer token.
        public static let signIn = Action(rawValue: "sign_in")
        /// A console sign-in with a wrong token.
        public static let signInFailed = Action(rawValue: "sign_in_failed")
        /// Dead letters moved back into delivery.
        public static let replay = Action(rawValue: "replay")
        /// A test event sent to a destination.
        public static let testSend = Action(rawValue: "test_send")
        /// The tenant configuration reloaded (or a reload refused).
        public static let reload = Action(rawValue: "reload")
        /// Masked values shown to an admin.
        public static let reveal = Action(rawValue: "reveal")
        /// One event's payload erased.
        public static let erase = Action(rawValue: "erase")
        /// A tenant's events erased by a property value.
        public static let eraseMatching = Action(rawValue: "erase_matching")

        /// A destination's backoff lifted ("retry now").
        public static let retryNow = Action(rawValue: "retry_now")
        /// The tenants folder checked without applying it.
        public static let validate = Action(rawValue: "validate")
        /// Every action this router writes, for filters and documentation.
        public static let all: [Action] = [.signIn, .signInFailed, .replay, .retryNow, .testSend, .validate, .reload, .reveal, .erase, .eraseMatching]
    }

    /// Who did it: the role the caller signed in with.
    public struct Role: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String

        /// A role by its name.
        public init(rawValue: String) { self.rawValue = rawValue }

        public var description: String { self.rawValue }

        /// The admin token (console session or bearer token).
        public static let admin = Role(rawValue: "admin")
        /// The read-only viewer token.
        public static let viewer = Role(rawValue: "viewer")
        /// No valid token (e.g. a failed sign-in).
        public static let anonymous = Role(rawValue: "anonymous")
    }

    /// The entry's position in the log, assigned by the store (nil before it is appended).
    public var sequence: Int64?
    /// When it happened.
    public var at: Timestamp
    /// The caller's role.
    public var role: Role
    /// The caller's network address, e.g. `127.0.0.1`; nil when unknown.
    public var address: String?
    /// What was done.
    public var action: Action
    /// The tenant it touched, if one.
    public var tenant: String?
    /// The destination it touched, if one.
    public var destination: String?
    /// The event it touched, if one.
    public var eventID: String?
    /// A short detail, e.g. `replayed 12` or `refused: 2 errors`; never a payload value.
    public var detail: String?

    /// Creates an entry.
    public init(
        sequence: Int64? = nil,
        at: Timestamp,
        role: Role,
        address: String?,
        action: Action,
        tenant: String? = nil,
        destination: String? = nil,
        eventID: String? = nil,
        detail: String? = nil
    ) {
        self.sequence = sequence
        self.at = at
        self.role = role
        self.address = address
        self.action = action
        self.tenant = tenant
        self.destination = destination
        self.eventID = eventID
        self.detail = detail
    }
}
