import RouterTesting
import Testing

/// The same store rules, run unchanged against SQLite, PostgreSQL and the in-memory test double.
@Suite(.timeLimit(.minutes(2)))
struct EventStoreConformanceTests {
    @Test(arguments: EventStoreConformance.cases)
    func sqlite(_ rule: EventStoreConformance.Case) async throws {
        try await rule.run(on: SQLiteHarness())
    }

    @Test(arguments: EventStoreConformance.cases)
    func inMemory(_ rule: EventStoreConformance.Case) async throws {
        try await rule.run(on: InMemoryHarness())
    }

    @Test(
        .enabled(if: PostgresHarness.isAvailable, "set ROUTER_TEST_POSTGRES_URL (scripts/test.sh starts a server) to run the PostgreSQL store tests"),
        arguments: EventStoreConformance.cases
    )
    func postgres(_ rule: EventStoreConformance.Case) async throws {
        try await rule.run(on: PostgresHarness())
    }

    @Test("CI runs the PostgreSQL tests against a real server")
    func postgresIsThereInCI() {
        if PostgresHarness.isRequired {
            #expect(PostgresHarness.isAvailable, "CI=true but ROUTER_TEST_POSTGRES_URL is not set: .ci/run must start PostgreSQL")
        } else if !PostgresHarness.isAvailable {
            print("note: PostgreSQL store tests skipped: ROUTER_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server when PostgreSQL is installed)")
        }
    }
}
