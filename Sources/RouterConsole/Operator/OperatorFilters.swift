import RouterCore

/// Reads the filters the JSON API and the console share from query parameters, so a console view
/// and its API call take the same names: `id`, `type`, `destination`, `state`, `from`, `to`, `q`,
/// `limit`, `cursor` for events; `destination`, `reason`, `since`/`from`, `until`/`to`, `limit`,
/// `cursor` for dead letters.
public enum OperatorFilters {
    /// A query string's parameters, the first value of each name, decoded as forms encode them
    /// (`+` is a space): what a filter form or a script sends.
    public static func parameters(query: String?) -> [String: String] {
        var parameters: [String: String] = [:]
        for (name, value) in FormBody(query ?? "").fields where parameters[name] == nil {
            parameters[name] = value
        }
        return parameters
    }

    /// An event query from `parameters` (a missing or empty parameter is no filter).
    public static func eventQuery(_ parameters: [String: String]) throws(OperatorInputError) -> EventQuery {
        var query = EventQuery()
        query.id = Self.value(parameters["id"])
        if let type = Self.value(parameters["type"]) {
            guard let value = RetentionEventType(rawValue: type) else {
                throw OperatorInputError(field: "type", message: "must be one of \(RetentionEventType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.type = value
        }
        query.destination = try Self.identifier(parameters["destination"], field: "destination")
        if let state = Self.value(parameters["state"]) {
            guard let value = EventQuery.State(rawValue: state) else {
                throw OperatorInputError(field: "state", message: "must be one of \(EventQuery.State.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if value == .notRouted, query.destination == nil {
                throw OperatorInputError(field: "state", message: "not_routed needs a destination to compare with")
            }
            query.state = value
        }
        query.from = try Self.timestamp(parameters["from"], field: "from")
        query.to = try Self.timestamp(parameters["to"], field: "to")
        if let text = Self.value(parameters["q"]) {
            guard text.utf8.count <= 200 else { throw OperatorInputError(field: "q", message: "must be at most 200 bytes") }
            query.text = text
        }
        query.limit = try Self.limit(parameters["limit"], default: 50, maximum: 200)
        if let cursor = Self.value(parameters["cursor"]) {
            guard let value = Int64(cursor), value > 0 else {
                throw OperatorInputError(field: "cursor", message: "must be the `next` value of the previous page")
            }
            query.before = value
        }
        return query
    }

    /// A dead-letter query from `parameters`; `from`/`to` are accepted as `since`/`until`.
    public static func deadLetterQuery(_ parameters: [String: String]) throws(OperatorInputError) -> DeadLetterQuery {
        var query = DeadLetterQuery()
        query.destination = try Self.identifier(parameters["destination"], field: "destination")
        query.reason = Self.value(parameters["reason"])
        let since = try Self.timestamp(parameters["since"], field: "since")
        let from = try Self.timestamp(parameters["from"], field: "from")
        query.since = since ?? from
        let until = try Self.timestamp(parameters["until"], field: "until")
        let to = try Self.timestamp(parameters["to"], field: "to")
        query.until = until ?? to
        query.limit = try Self.limit(parameters["limit"], default: 100, maximum: 1000)
        if let cursor = Self.value(parameters["cursor"]) {
            guard let value = DeadLetterCursor(cursor) else {
                throw OperatorInputError(field: "cursor", message: "must be the `next` value of the previous page")
            }
            query.after = value
        }
        return query
    }

    /// A parameter with white space trimmed; nil when absent or empty.
    static func value(_ text: String?) -> String? {
        guard let trimmed = text?.trimmingWhiteSpace, !trimmed.isEmpty else { return nil }
        return trimmed
    }

    static func identifier(_ text: String?, field: String) throws(OperatorInputError) -> String? {
        guard let value = Self.value(text) else { return nil }
        guard Identifier.isValid(value) else {
            throw OperatorInputError(field: field, message: "must be a destination id (letters, digits, - and _)")
        }
        return value
    }

    static func timestamp(_ text: String?, field: String) throws(OperatorInputError) -> Timestamp? {
        guard let value = Self.value(text) else { return nil }
        guard let timestamp = Timestamp(iso8601: value) else {
            throw OperatorInputError(field: field, message: "must be an ISO-8601 date-time such as 2026-11-30T00:00:00Z")
        }
        return timestamp
    }

    static func limit(_ text: String?, default value: Int, maximum: Int) throws(OperatorInputError) -> Int {
        guard let text = Self.value(text) else { return value }
        guard let limit = Int(text), (1...maximum).contains(limit) else {
            throw OperatorInputError(field: "limit", message: "must be a whole number from 1 to \(maximum)")
        }
        return limit
    }
}
