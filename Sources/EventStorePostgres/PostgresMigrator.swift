import Foundation
import Logging
import PostgresNIO

/// Applies the schema migrations, one transaction under an advisory lock, so instances that
/// start together never race and a failed migration leaves nothing half done.
public struct PostgresMigrator: Sendable {
    /// Where a database stands.
    public struct Status: Sendable, Equatable {
        /// The newest migration applied (0 for an empty database).
        public var applied: Int
        /// The newest migration this router knows.
        public var latest: Int

        /// Creates a status.
        public init(applied: Int, latest: Int) {
            self.applied = applied
            self.latest = latest
        }
    }

    let client: PostgresClient
    let logger: Logger

    /// The applied and known versions.
    public func status() async throws -> Status {
        var exists = false
        let table = try await self.client.query("SELECT to_regclass('retention_router.schema_migrations') IS NOT NULL", logger: self.logger)
        for try await found in table.decode(Bool.self) { exists = found }
        var applied = 0
        if exists {
            let rows = try await self.client.query("SELECT coalesce(max(version), 0) FROM retention_router.schema_migrations", logger: self.logger)
            for try await version in rows.decode(Int.self) { applied = version }
        }
        return Status(applied: applied, latest: PostgresSchema.latestVersion)
    }

    /// Applies every migration not yet applied.
    ///
    /// - Returns: the versions applied now (empty when the schema was current).
    @discardableResult
    public func migrate() async throws -> [Int] {
        let logger = self.logger
        return try await self.client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                // Held until COMMIT; a second instance waits here, then finds nothing to do.
                try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: logger)
                // Building an index over a large events table takes longer than one store
                // operation may; the caller's deadline bounds the migration instead.
                try await connection.query("SET LOCAL statement_timeout = 0", logger: logger)
                try await connection.query("CREATE SCHEMA IF NOT EXISTS retention_router", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS retention_router.schema_migrations (
                        version INTEGER PRIMARY KEY,
                        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                    )
                    """,
                    logger: logger
                )
                var applied: Set<Int> = []
                for try await version in try await connection.query("SELECT version FROM retention_router.schema_migrations", logger: logger).decode(Int.self) {
                    applied.insert(version)
                }
                var done: [Int] = []
                for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                    for statement in Self.statements(migration.sql) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query("INSERT INTO retention_router.schema_migrations (version) VALUES (\(migration.version))", logger: logger)
                    done.append(migration.version)
                    logger.notice("Applied PostgreSQL migration", metadata: ["schema.version": "\(migration.version)"])
                }
                try await connection.query("COMMIT", logger: logger)
                return done
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Splits a migration into statements: each ends with `;` at the end of a line, outside a
    /// dollar-quoted `$$ … $$` body (a function's statements stay with it).
    static func statements(_ sql: String) -> [String] {
        var statements: [String] = []
        var lines: [Substring] = []
        var quoted = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            lines.append(line)
            // An odd number of `$$` on the line opens or closes a body.
            if line.components(separatedBy: "$$").count % 2 == 0 { quoted.toggle() }
            if !quoted, line.hasSuffix(";") {
                statements.append(lines.joined(separator: "\n"))
                lines = []
            }
        }
        statements.append(lines.joined(separator: "\n"))
        return statements
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingSuffix(";") }
            .filter { statement in
                statement.split(separator: "\n").contains { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        self.hasSuffix(suffix) ? String(self.dropLast(suffix.count)) : self
    }
}

extension PostgresMigrator {
    /// The migration status of the database `store` is connected to.
    public static func status(of store: PostgresEventStore) async throws -> Status {
        try await PostgresMigrator(client: store.client, logger: store.logger).status()
    }
}
