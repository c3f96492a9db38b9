import Foundation
import RouterCore
import RouterTesting
import Testing

/// `serve` and `migrate` with a PostgreSQL store, run as a user would.
@Suite(.timeLimit(.minutes(2)))
struct CommandLinePostgresTests {
    private static func config(_ directory: TemporaryDirectory, url: String) throws {
        try directory.write(
            #"{"listen": {"host": "127.0.0.1", "port": 0}, "tenantsDirectory": "config/tenants", "store": {"kind": "postgres", "url": {"env": "DATABASE_URL"}, "leaseSeconds": 5}}"#,
            to: "config/router.json"
        )
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
    }

    @Test func serveSaysTheDatabaseIsUnreachableAndKeepsTrying() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.config(directory, url: "")
        let log = directory.appending("serve.log")
        try Data().write(to: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try CommandLineTests.binary())
        process.arguments = ["serve"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        process.environment = ProcessInfo.processInfo.environment.merging(["DATABASE_URL": "postgres://router:s3cret@127.0.0.1:1/router"]) { _, new in new }
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // Two attempts, each logged with the reason, and still running: it waits for the database.
        #expect(try await eventually {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").components(separatedBy: "PostgreSQL store not ready; retrying").count > 2
        })
        #expect(process.isRunning)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("Connection refused"))
        #expect(text.contains("postgres://router:***@127.0.0.1:1/router"))
        #expect(!text.contains("s3cret"))
        process.terminate()
        process.waitUntilExit()
    }

    @Test(.enabled(if: PostgresHarness.isAvailable, "set ROUTER_TEST_POSTGRES_URL to run the PostgreSQL command-line tests"))
    func migrateCreatesTheSchemaOnceAndValidateChecksTheURL() async throws {
        let database = try await PostgresHarness.createDatabase()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.config(directory, url: database.description)
        let environment = ["DATABASE_URL": database.description]
        let first = try await CommandLineTests.run(["migrate"], in: directory.path, environment: environment)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("migrated the schema from version 0 to 4"))
        let second = try await CommandLineTests.run(["migrate"], in: directory.path, environment: environment)
        #expect(second.output.contains("schema is up to date (version 4)"))
        let unreachable = try await CommandLineTests.run(
            ["migrate", "--attempts", "1"],
            in: directory.path,
            environment: ["DATABASE_URL": "postgres://router@127.0.0.1:1/router"]
        )
        #expect(unreachable.status == 1)
        #expect(unreachable.output.contains("cannot reach PostgreSQL at postgres://router@127.0.0.1:1/router"))
        let check = try await CommandLineTests.run(["validate"], in: directory.path, environment: ["DATABASE_URL": "mysql://nope"])
        #expect(check.status == 1)
        #expect(check.output.contains("store.url"))
        await PostgresHarness.dropDatabase(database)
    }
}
