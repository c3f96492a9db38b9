import RouterCore

extension OperatorFilters {
    /// An audit-log query from `parameters`: `action`, `tenant`, `limit` (1 to 1000, default
    /// 100) and `cursor` (the `next` of the previous page); a missing or empty one is no filter.
    public static func auditQuery(_ parameters: [String: String]) throws(OperatorInputError) -> AuditQuery {
        var query = AuditQuery()
        if let action = Self.value(parameters["action"]) {
            guard let known = AuditEntry.Action.all.first(where: { $0.rawValue == action }) else {
                throw OperatorInputError(field: "action", message: "must be one of \(AuditEntry.Action.all.map(\.rawValue).joined(separator: ", "))")
            }
            query.action = known
        }
        if let tenant = Self.value(parameters["tenant"]) {
            guard Identifier.isValid(tenant) else {
                throw OperatorInputError(field: "tenant", message: "must be a tenant name (letters, digits, - and _)")
            }
            query.tenant = tenant
        }
        query.limit = try Self.limit(parameters["limit"], default: 100, maximum: 1000)
        if let cursor = Self.value(parameters["cursor"]) {
            guard let value = Int64(cursor), value > 0 else {
                throw OperatorInputError(field: "cursor", message: "must be the `next` value of the previous page")
            }
            query.before = value
        }
        return query
    }
}
