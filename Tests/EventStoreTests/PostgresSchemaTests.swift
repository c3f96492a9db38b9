import RouterCore
import Testing

@testable import EventStorePostgres

/// The PostgreSQL schema, checked without a server.
struct PostgresSchemaTests {
    @Test func everyLatencyBucketHasAColumn() throws {
        #expect(PostgresSchema.latencyColumns.count == LatencyBuckets.count)
        let migration = try #require(PostgresSchema.migrations.first { $0.version == 2 }?.sql)
        for column in PostgresSchema.latencyColumns {
            #expect(migration.contains("\(column) BIGINT NOT NULL DEFAULT 0"))
        }
        #expect(PostgresSchema.latestVersion == 3)
    }

    @Test func theConsoleMigrationSplitsIntoWholeStatements() throws {
        let migration = try #require(PostgresSchema.migrations.first { $0.version == 2 }?.sql)
        let statements = PostgresMigrator.statements(migration)
        #expect(statements.count == 5)
        #expect(statements.allSatisfy { $0.hasPrefix("CREATE") || $0.hasPrefix("ALTER") })
    }

    @Test func theErasureAndAuditMigrationSplitsIntoWholeStatements() throws {
        let migration = try #require(PostgresSchema.migrations.first { $0.version == 3 }?.sql)
        let statements = PostgresMigrator.statements(migration)
        #expect(statements.count == 5)
        #expect(statements.first == "ALTER TABLE retention_router.events ADD COLUMN erased_at BIGINT")
        #expect(statements.dropFirst().allSatisfy { $0.hasPrefix("CREATE") })
    }
}
