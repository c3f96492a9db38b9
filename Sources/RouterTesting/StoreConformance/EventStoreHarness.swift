import EventStorePostgres
import EventStoreSQLite
import Foundation
import Logging
import NIOPosix
import PostgresNIO
import RouterCore

/// Fresh, empty storage for one store test: a folder for SQLite, a database for PostgreSQL.
public protocol EventStoreStorage: Sendable {
    /// Opens a store on this storage as the named router instance. Opening again after the
    /// previous handle is dropped is a restart over the same data.
    func open(instance: String) async throws -> any EventStore
    /// Deletes the storage.
    func remove() async
    /// Overwrites the stored properties of one event with `bytes`, behind the store's back: a
    /// row damaged on purpose (disk damage, a hand edit), to prove it cannot stall delivery.
    func damageProperties(tenant: String, id: String, with bytes: [UInt8]) async throws
    /// Each partition's backlog (events at its head and retries) and dead letters, counted
    /// afresh over the whole tables behind the store's back: what `statistics`, which keeps
    /// its figures as the rows change, must equal.
    func recount() async throws -> [PartitionKey: StoreStatistics.Partition]
}

/// Makes fresh storage of one kind, so one suite runs unchanged against every store.
public protocol EventStoreHarness: Sendable, CustomStringConvertible {
    /// New, empty storage.
    func makeStorage() async throws -> any EventStoreStorage
}

extension EventStoreHarness {
    /// Runs `body` with fresh storage and removes it afterwards.
    public func withStorage(_ body: (any EventStoreStorage) async throws -> Void) async throws {
        let storage = try await self.makeStorage()
        do {
            try await body(storage)
        } catch {
            await storage.remove()
            throw error
        }
        await storage.remove()
    }
}

/// SQLite stores in temporary folders.
public struct SQLiteHarness: EventStoreHarness {
    public init() {}

    public var description: String { "sqlite" }

    /// Overwrites one event's stored properties in the SQLite store in `directory` (a row
    /// damaged on purpose; see `EventStoreStorage.damageProperties`).
    public static func damageProperties(inStoreAt directory: String, tenant: String, id: String, with bytes: [UInt8]) throws {
        try SQLiteDamage.overwriteProperties(database: directory + "/events.sqlite3", tenant: tenant, id: id, with: bytes)
    }

    /// Each partition's backlog and dead letters in the SQLite store in `directory`, counted
    /// over the whole tables (see `EventStoreStorage.recount`).
    public static func recount(inStoreAt directory: String) throws -> [PartitionKey: StoreStatistics.Partition] {
        try SQLiteRecount.partitions(database: directory + "/events.sqlite3")
    }

    /// Runs `sql` on the SQLite store in `directory` behind its back (to break it on purpose).
    public static func execute(_ sql: String, inStoreAt directory: String) throws {
        try SQLiteDamage.execute(database: directory + "/events.sqlite3", sql: sql)
    }

    public func makeStorage() async throws -> any EventStoreStorage {
        SQLiteStorage(directory: try TemporaryDirectory())
    }

    struct SQLiteStorage: EventStoreStorage {
        let directory: TemporaryDirectory

        func open(instance: String) async throws -> any EventStore {
            try SQLiteEventStore(directory: self.directory.path, logger: Logger.quiet())
        }

        func remove() async { self.directory.remove() }

        func damageProperties(tenant: String, id: String, with bytes: [UInt8]) async throws {
            try SQLiteDamage.overwriteProperties(
                database: self.directory.appending("events.sqlite3"),
                tenant: tenant,
                id: id,
                with: bytes
            )
        }

        func recount() async throws -> [PartitionKey: StoreStatistics.Partition] {
            try SQLiteRecount.partitions(database: self.directory.appending("events.sqlite3"))
        }
    }
}

/// In-memory stores (`InMemoryEventStore`), a new database each: the same rules hold for the
/// test double the supervisor's tests use.
public struct InMemoryHarness: EventStoreHarness {
    public init() {}

    public var description: String { "in-memory" }

    public func makeStorage() async throws -> any EventStoreStorage {
        InMemoryStorage(database: InMemoryEventStore.Database())
    }

    struct InMemoryStorage: EventStoreStorage {
        let database: InMemoryEventStore.Database

        func open(instance: String) async throws -> any EventStore {
            InMemoryEventStore(database: self.database)
        }

        func remove() async {}

        func damageProperties(tenant: String, id: String, with bytes: [UInt8]) async throws {
            guard self.database.overwriteProperties(tenant: tenant, id: id, with: bytes) else {
                throw TestServerError(message: "no event \(tenant)/\(id) to damage")
            }
        }

        func recount() async throws -> [PartitionKey: StoreStatistics.Partition] {
            self.database.recount()
        }
    }
}

/// PostgreSQL stores, one new database each, on the server named by `ROUTER_TEST_POSTGRES_URL`
/// (e.g. `postgres://postgres@127.0.0.1:5432/postgres`; `scripts/test.sh` starts one).
public struct PostgresHarness: EventStoreHarness {
    /// The server's URL from the environment, when set.
    public static var serverURL: String? {
        ProcessInfo.processInfo.environment["ROUTER_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// True when a server is configured for the tests.
    public static var isAvailable: Bool { serverURL != nil }

    /// True when running in CI, where the PostgreSQL tests must run.
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// How long leases last in stores this harness opens.
    public var leaseDuration: Duration

    public init(leaseDuration: Duration = .seconds(15)) {
        self.leaseDuration = leaseDuration
    }

    public var description: String { "postgres" }

    public func makeStorage() async throws -> any EventStoreStorage {
        let database = try await Self.createDatabase()
        return PostgresStorage(settings: PostgresStoreSettings(url: database, leaseDuration: self.leaseDuration, pollInterval: .milliseconds(50), maxConnections: 8))
    }

    /// Creates an empty database on the test server and returns its URL.
    public static func createDatabase() async throws -> PostgresURL {
        guard let text = Self.serverURL else {
            throw TestServerError(message: "ROUTER_TEST_POSTGRES_URL is not set: start a server with scripts/postgres.sh and export its URL")
        }
        let server = try PostgresURL(parsing: text)
        var database = server
        database.database = "rr_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_"))"
        try await Self.administer(server, "CREATE DATABASE \(database.database)")
        return database
    }

    /// Drops a database made by `createDatabase`, closing its connections.
    public static func dropDatabase(_ database: PostgresURL) async {
        guard let text = Self.serverURL, let server = try? PostgresURL(parsing: text) else { return }
        try? await Self.administer(server, "DROP DATABASE IF EXISTS \(database.database) WITH (FORCE)")
    }

    /// Each partition's backlog and dead letters in `database`, counted over the whole tables
    /// (what the store did before it kept counts).
    public static func recount(_ database: PostgresURL) async throws -> [PartitionKey: StoreStatistics.Partition] {
        let connection = try await PostgresConnection.connect(configuration: Self.configuration(database), id: 1, logger: Logger.quiet())
        do {
            let rows = try await connection.query(
                """
                SELECT tenant, destination, sum(backlog)::int8, sum(dead)::int8 FROM (
                    SELECT tenant, destination, count(*) AS backlog, 0 AS dead FROM retention_router.pending GROUP BY 1, 2
                    UNION ALL SELECT tenant, destination, count(*), 0 FROM retention_router.retries GROUP BY 1, 2
                    UNION ALL SELECT tenant, destination, 0, count(*) FROM retention_router.dead_letters GROUP BY 1, 2
                    UNION ALL SELECT tenant, destination, 0, 0 FROM retention_router.partitions
                ) counts GROUP BY 1, 2
                """,
                logger: Logger.quiet()
            )
            var counts: [PartitionKey: StoreStatistics.Partition] = [:]
            for try await (tenant, destination, backlog, dead) in rows.decode((String, String, Int64, Int64).self) {
                counts[PartitionKey(tenant: tenant, destination: destination)] = .init(backlog: Int(backlog), deadLetters: Int(dead))
            }
            try await connection.close()
            return counts
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs one statement on `database` behind the store's back (to set a database up, or to
    /// break it, on purpose).
    public static func execute(_ sql: String, in database: PostgresURL) async throws {
        try await Self.administer(database, sql)
    }

    static func configuration(_ server: PostgresURL) -> PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            host: server.host,
            port: server.port,
            username: server.user,
            password: server.password,
            database: server.database,
            tls: .disable
        )
    }

    static func administer(_ server: PostgresURL, _ sql: String) async throws {
        let connection = try await PostgresConnection.connect(configuration: Self.configuration(server), id: 1, logger: Logger.quiet())
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger.quiet())
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    struct PostgresStorage: EventStoreStorage {
        let settings: PostgresStoreSettings

        func open(instance: String) async throws -> any EventStore {
            try await PostgresEventStore(settings: self.settings, instanceID: instance, logger: Logger.quiet(), connectAttempts: 3)
        }

        func remove() async {
            await PostgresHarness.dropDatabase(self.settings.url)
        }

        func damageProperties(tenant: String, id: String, with bytes: [UInt8]) async throws {
            let hex = bytes.map { String(format: "%02x", $0) }.joined()
            // Test values only: the tenant and id are the suite's own literals.
            try await PostgresHarness.administer(
                self.settings.url,
                "UPDATE retention_router.events SET properties = decode('\(hex)', 'hex') WHERE tenant = '\(tenant)' AND id = '\(id)'"
            )
        }

        func recount() async throws -> [PartitionKey: StoreStatistics.Partition] {
            try await PostgresHarness.recount(self.settings.url)
        }
    }
}
