import Foundation
import Logging
import RouterCore
import RouterTesting
import Testing

@testable import EventStoreSQLite

/// What the operator console needs of the SQLite store beyond the shared rules: schema version
/// 4, the plans the event list relies on, and the helpers both stores share.
@Suite(.timeLimit(.minutes(2)))
struct ConsoleStoreTests {
    @Test func aSQLiteStoreMigratedFromVersionThreeHasTheSchemaOfANewOne() async throws {
        let old = try TemporaryDirectory()
        let new = try TemporaryDirectory()
        defer {
            old.remove()
            new.remove()
        }
        // Version 3 as the previous router left it.
        do {
            let connection = try SQLiteConnection(path: old.appending("events.sqlite3"))
            try connection.execute("BEGIN IMMEDIATE; \(SQLiteSchema.create) PRAGMA user_version = 1; COMMIT;")
            for version in Int64(2)...3 {
                try connection.execute("BEGIN IMMEDIATE; \(try #require(SQLiteSchema.migrations[version])) COMMIT;")
            }
            try connection.execute(
                """
                INSERT INTO events (seq, tenant, id, type, occurred_at, received_at, properties, destinations)
                    VALUES (1, 'acme', 'old', 'cancel', 1, 2, CAST('{"plan":"gold"}' AS BLOB), 'file');
                INSERT INTO routes VALUES ('acme', 'file', 1);
                INSERT INTO partitions (tenant, destination) VALUES ('acme', 'file');
                """
            )
        }
        let migrated = try SQLiteEventStore(directory: old.path, logger: Logger.quiet())
        _ = try SQLiteEventStore(directory: new.path, logger: Logger.quiet())
        #expect(try Self.schema(old.appending("events.sqlite3")) == Self.schema(new.appending("events.sqlite3")))
        let page = try await migrated.events(tenant: "acme", query: EventQuery(text: "GOLD"))
        #expect(page.entries.map(\.id) == ["old"])
        #expect(page.entries.first?.destinations == [.init(id: "file", state: .pending)])
        let health = try await migrated.health(since: Timestamp(millisecondsSince1970: 0))
        #expect(health.map(\.backlog) == [1])
        #expect(health.first?.lastFailure == nil)
    }

    /// Every table, index and column with its type, and the schema version.
    static func schema(_ path: String) throws -> [String] {
        let connection = try SQLiteConnection(path: path)
        var lines: [String] = []
        let objects = try connection.statement("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        var tables: [String] = []
        while try objects.step() {
            lines.append("\(objects.string(0)) \(objects.string(1))")
            if objects.string(0) == "table" { tables.append(objects.string(1)) }
        }
        objects.reset()
        for table in tables {
            let columns = try connection.statement("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1)")
            columns.bind(1, table)
            while try columns.step() {
                lines.append("\(table).\(columns.string(0)) \(columns.string(1)) \(columns.int64(2)) \(columns.optionalString(3) ?? "-") \(columns.int64(4))")
            }
            columns.reset()
        }
        let version = try connection.statement("PRAGMA user_version")
        if try version.step() { lines.append("version \(version.int64(0))") }
        version.reset()
        return lines
    }

    @Test func theSQLiteEventListWalksOneIndexNewestFirst() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger.quiet())
        let plans = try await store.reader.run { connection in
            try [
                SQLiteEventListingSQL.byTenant, SQLiteEventListingSQL.byRoutes, SQLiteEventListingSQL.byID,
                SQLiteEventListingSQL.byDeadLetters, "SELECT count(*) FROM dead_letters WHERE tenant = ?1 AND code = ?5",
            ].map { sql in
                let plan = try connection.statement("EXPLAIN QUERY PLAN \(sql)")
                var lines: [String] = []
                while try plan.step() { lines.append(plan.string(3)) }
                return lines
            }
        }
        #expect(plans[0].first == "SEARCH e USING INDEX events_tenant_seq (tenant=? AND seq>? AND seq<?)")
        #expect(plans[1].prefix(2) == ["SEARCH r USING PRIMARY KEY (tenant=? AND destination=? AND seq>? AND seq<?)", "SEARCH e USING INTEGER PRIMARY KEY (rowid=?)"])
        #expect(plans[2].first == "SEARCH e USING INDEX sqlite_autoindex_events_1 (tenant=? AND id=?)")
        #expect(plans[3].first == "SEARCH r USING PRIMARY KEY (tenant=? AND destination=? AND seq>? AND seq<?)")
        #expect(plans[4] == ["SEARCH dead_letters USING COVERING INDEX dead_letters_code (tenant=? AND code=?)"])
        for plan in plans {
            #expect(!plan.contains { $0.contains("TEMP B-TREE") || $0.hasPrefix("SCAN") }, "\(plan)")
        }
    }

    @Test func everyLatencyBucketHasAColumn() throws {
        #expect(SQLiteSchema.latencyColumns.count == LatencyBuckets.count)
        let migration = try #require(SQLiteSchema.migrations[4])
        for column in SQLiteSchema.latencyColumns {
            #expect(migration.contains("\(column) INTEGER NOT NULL DEFAULT 0"))
        }
    }

    @Test func attemptsAreSummedByMinuteAndBucket() {
        let minute: Int64 = 1_700_000_040_000
        let busy = FailureReason(code: "http_503", message: "busy", status: 503)
        let rollup = AttemptRollup([
            AttemptRecord(sequence: 1, attempt: 1, at: Timestamp(millisecondsSince1970: minute + 61_000), outcome: .rejected, reason: busy, latencyMilliseconds: 20_000),
            AttemptRecord(sequence: 2, attempt: 1, at: Timestamp(millisecondsSince1970: minute + 1000), outcome: .delivered, reason: nil, latencyMilliseconds: 5),
            AttemptRecord(sequence: 3, attempt: 2, at: Timestamp(millisecondsSince1970: minute + 59_999), outcome: .retry, reason: nil, latencyMilliseconds: 6),
        ])
        #expect(rollup.minutes.map(\.start) == [minute, minute + 60_000])
        #expect(rollup.minutes.map(\.delivered) == [1, 0])
        #expect(rollup.minutes.map(\.failed) == [1, 1])
        #expect(rollup.minutes[0].latency[0] == 1 && rollup.minutes[0].latency[1] == 1)
        #expect(rollup.minutes[1].latency[LatencyBuckets.count - 1] == 1)
        #expect(rollup.lastFailure == AttemptFailure(at: Timestamp(millisecondsSince1970: minute + 61_000), reason: busy))
        #expect(AttemptRollup.minuteStart(Timestamp(millisecondsSince1970: -1)) == -60_000)
        #expect(AttemptRollup([]).minutes.isEmpty)
    }

    @Test func theTextMatcherFindsValuesHoweverTheyAreComposed() throws {
        func matches(_ text: String, _ json: String) throws -> Bool {
            let matcher = try #require(PropertyTextMatcher(text))
            return matcher.matches(Array(json.utf8))
        }
        // Precomposed query, decomposed value, and the other way round.
        #expect(try matches("Café", "{\"a\":\"the cafe\u{301}\"}"))
        #expect(try matches("cafe\u{301}", "{\"a\":\"CAFÉ\"}"))
        #expect(try !matches("cafe", "{\"a\":\"café\"}"))
        // The Kelvin sign lowercases to k; the Greek question mark is a semicolon.
        #expect(try matches("kelvin", "{\"a\":\"\u{212A}ELVIN\"}"))
        #expect(try matches("a;b", "{\"a\":\"a\u{37E}b\"}"))
        // Escaped text is parsed before it is searched.
        #expect(try matches("é", #"{"a":"\u00c9"}"#))
        #expect(try matches("1e3", #"{"a":1e3}"#))
        #expect(try !matches("1E3", #"{"a":1e3}"#))
        #expect(try !matches("premium", #"{"premium":"no"}"#))
        #expect(PropertyTextMatcher("") == nil)
        #expect(PropertyTextMatcher("Zürich")?.anchor == "rich")
        #expect(PropertyTextMatcher("ok;then")?.anchor == "then")
    }
}
