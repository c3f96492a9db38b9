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
        #expect(PostgresSchema.latestVersion == 4)
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

    @Test func theBacklogCountMigrationKeepsTheFunctionBodyInOneStatement() throws {
        let migration = try #require(PostgresSchema.migrations.first { $0.version == 4 }?.sql)
        let statements = PostgresMigrator.statements(migration)
        #expect(statements.count == 10)
        let function = try #require(statements.first { $0.hasPrefix("CREATE FUNCTION") })
        #expect(function.hasSuffix("$$"))
        #expect(function.contains("RETURN NULL;"))
        #expect(statements.filter { $0.hasPrefix("CREATE TRIGGER") }.count == 6)
        #expect(statements.last?.hasPrefix("INSERT INTO retention_router.partition_counts") == true)
    }
}
