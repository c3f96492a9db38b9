import RouterCore

/// The audit log: appended through the writer (durable like every write), read newest first.
extension SQLiteEventStore {
    public func appendAudit(_ entry: AuditEntry) async throws {
        try await self.writer.write { connection in
            let insert = try connection.statement(
                "INSERT INTO audit (at, role, address, action, tenant, destination, event_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            )
            insert.bind(1, entry.at.millisecondsSince1970)
            insert.bind(2, entry.role.rawValue)
            insert.bind(3, entry.address)
            insert.bind(4, entry.action.rawValue)
            insert.bind(5, entry.tenant)
            insert.bind(6, entry.destination)
            insert.bind(7, entry.eventID)
            insert.bind(8, entry.detail)
            try insert.run()
        }
    }

    public func audit(query: AuditQuery) async throws -> AuditPage {
        try await self.reader.run { connection in
            // Only the filters given, so SQLite walks the index that fits: by action, by tenant,
            // or the log itself.
            var terms: [String] = []
            if query.action != nil { terms.append("action = ?1") }
            if query.tenant != nil { terms.append("tenant = ?2") }
            if query.before != nil { terms.append("seq < ?3") }
            let condition = terms.isEmpty ? "" : "WHERE " + terms.joined(separator: " AND ")
            let statement = try connection.statement(
                "SELECT seq, at, role, address, action, tenant, destination, event_id, detail FROM audit \(condition) ORDER BY seq DESC LIMIT ?4"
            )
            if let action = query.action { statement.bind(1, action.rawValue) }
            if let tenant = query.tenant { statement.bind(2, tenant) }
            if let before = query.before { statement.bind(3, before) }
            statement.bind(4, Int64(query.boundedLimit))
            var entries: [AuditEntry] = []
            while try statement.step() {
                entries.append(
                    AuditEntry(
                        sequence: statement.int64(0),
                        at: Timestamp(millisecondsSince1970: statement.int64(1)),
                        role: AuditEntry.Role(rawValue: statement.string(2)),
                        address: statement.optionalString(3),
                        action: AuditEntry.Action(rawValue: statement.string(4)),
                        tenant: statement.optionalString(5),
                        destination: statement.optionalString(6),
                        eventID: statement.optionalString(7),
                        detail: statement.optionalString(8)
                    )
                )
            }
            return AuditPage(entries: entries, next: entries.count == query.boundedLimit ? entries.last?.sequence : nil)
        }
    }

    public func pruneAudit(before cutoff: Timestamp, limit: Int) async throws -> Int {
        try await self.writer.write { connection in
            let delete = try connection.statement("DELETE FROM audit WHERE seq IN (SELECT seq FROM audit WHERE at < ?1 ORDER BY at LIMIT ?2)")
            delete.bind(1, cutoff.millisecondsSince1970)
            delete.bind(2, Int64(max(1, limit)))
            try delete.run()
            return connection.changes
        }
    }
}
