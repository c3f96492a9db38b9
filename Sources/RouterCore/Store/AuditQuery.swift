/// Which audit entries to list: newest first, optionally of one action or tenant, one page at a
/// time.
public struct AuditQuery: Sendable, Equatable {
    /// Only entries of this action.
    public var action: AuditEntry.Action?
    /// Only entries that touched this tenant.
    public var tenant: String?
    /// Most entries in the page (1...1000).
    public var limit: Int
    /// Continue with entries older than this sequence (the `next` of the previous page).
    public var before: Int64?

    /// Creates a query.
    public init(action: AuditEntry.Action? = nil, tenant: String? = nil, limit: Int = 100, before: Int64? = nil) {
        self.action = action
        self.tenant = tenant
        self.limit = limit
        self.before = before
    }

    /// `limit` brought into 1...1000.
    public var boundedLimit: Int { max(1, min(self.limit, 1000)) }
}

/// One page of the audit log.
public struct AuditPage: Sendable, Equatable {
    /// The entries, newest first.
    public var entries: [AuditEntry]
    /// Pass as `AuditQuery.before` to continue; nil when the page reached the oldest entry.
    public var next: Int64?

    /// Creates a page.
    public init(entries: [AuditEntry], next: Int64?) {
        self.entries = entries
        self.next = next
    }
}
