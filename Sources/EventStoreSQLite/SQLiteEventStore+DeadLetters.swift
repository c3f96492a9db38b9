import RouterCore

/// Counting dead letters, and the filter count and replay share, so "replay all N matching"
/// moves exactly the N that were counted.
extension SQLiteEventStore {
    public func countDeadLetters(tenant: String, query: DeadLetterQuery) async throws -> Int {
        try await self.reader.run { connection in
            let filter = DeadLetterFilter(tenant: tenant, query: query)
            let statement = try connection.statement("SELECT count(*) FROM dead_letters WHERE \(filter.condition)")
            filter.bind(statement)
            guard try statement.step() else { return 0 }
            return Int(statement.int64(0))
        }
    }
}

/// The dead letters of a tenant that a `DeadLetterQuery` matches (ignoring `limit` and `after`),
/// as a condition with only the filters given, so SQLite plans each combination with the index
/// that fits it: `dead_letters_code` for a reason, the key for a destination, `dead_letters_time`
/// for a time range. Parameters: ?1 tenant, ?2 destination, ?3 since, ?4 until, ?5 reason.
struct DeadLetterFilter {
    let tenant: String
    let query: DeadLetterQuery

    /// The `WHERE` condition.
    var condition: String {
        var terms = ["tenant = ?1"]
        if self.query.destination != nil { terms.append("destination = ?2") }
        if self.query.since != nil { terms.append("failed_at >= ?3") }
        if self.query.until != nil { terms.append("failed_at < ?4") }
        if self.query.reason != nil { terms.append("code = ?5") }
        return terms.joined(separator: " AND ")
    }

    /// Binds the parameters `condition` uses.
    func bind(_ statement: SQLiteStatement) {
        statement.bind(1, self.tenant)
        if let destination = self.query.destination { statement.bind(2, destination) }
        if let since = self.query.since { statement.bind(3, since.millisecondsSince1970) }
        if let until = self.query.until { statement.bind(4, until.millisecondsSince1970) }
        if let reason = self.query.reason { statement.bind(5, reason) }
    }
}
