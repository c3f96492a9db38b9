import Logging
import PostgresNIO
import RouterCore

/// The audit log, shared by every instance using the database.
extension PostgresEventStore {
    public func appendAudit(_ entry: AuditEntry) async throws {
        try await self.bounded {
            _ = try await self.client.query(
                """
                INSERT INTO retention_router.audit (at, role, address, action, tenant, destination, event_id, detail)
                VALUES (\(entry.at.millisecondsSince1970), \(entry.role.rawValue), \(entry.address)::text, \(entry.action.rawValue),
                        \(entry.tenant)::text, \(entry.destination)::text, \(entry.eventID)::text, \(entry.detail)::text)
                """,
                logger: self.logger
            )
        }
    }

    public func audit(query: AuditQuery) async throws -> AuditPage {
        try await self.bounded {
            let action = query.action?.rawValue
            let limit = query.boundedLimit
            let rows = try await self.client.query(
                """
                SELECT seq, at, role, address, action, tenant, destination, event_id, detail FROM retention_router.audit
                WHERE (\(action)::text IS NULL OR action = \(action)::text) AND (\(query.tenant)::text IS NULL OR tenant = \(query.tenant)::text)
                  AND (\(query.before)::int8 IS NULL OR seq < \(query.before)::int8)
                ORDER BY seq DESC LIMIT \(limit)
                """,
                logger: self.logger
            )
            var entries: [AuditEntry] = []
            for try await (sequence, at, role, address, action, tenant, destination, eventID, detail) in rows.decode(
                (Int64, Int64, String, String?, String, String?, String?, String?, String?).self
            ) {
                entries.append(
                    AuditEntry(
                        sequence: sequence,
                        at: Timestamp(millisecondsSince1970: at),
                        role: AuditEntry.Role(rawValue: role),
                        address: address,
                        action: AuditEntry.Action(rawValue: action),
                        tenant: tenant,
                        destination: destination,
                        eventID: eventID,
                        detail: detail
                    )
                )
            }
            return AuditPage(entries: entries, next: entries.count == limit ? entries.last?.sequence : nil)
        }
    }

    public func pruneAudit(before cutoff: Timestamp, limit: Int) async throws -> Int {
        try await self.bounded {
            let rows = try await self.client.query(
                """
                WITH doomed AS (
                    SELECT seq FROM retention_router.audit WHERE at < \(cutoff.millisecondsSince1970) ORDER BY at LIMIT \(max(1, limit))
                ), deleted AS (
                    DELETE FROM retention_router.audit a USING doomed d WHERE a.seq = d.seq RETURNING 1
                )
                SELECT count(*)::int8 FROM deleted
                """,
                logger: self.logger
            )
            var deleted = 0
            for try await count in rows.decode(Int64.self) { deleted = Int(count) }
            return deleted
        }
    }
}
