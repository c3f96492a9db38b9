/// The store's tables. Version 1.
enum SQLiteSchema {
    static let pragmas = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = FULL;
        PRAGMA temp_store = MEMORY;
        PRAGMA cache_size = -8000;
        """

    static let version: Int64 = 3

    /// Statements that bring a store from version N-1 to N, indexed by N.
    static let migrations: [Int64: String] = [
        2: """
            ALTER TABLE partitions ADD COLUMN paused_until INTEGER;
            ALTER TABLE events ADD COLUMN destinations TEXT NOT NULL DEFAULT '';
            CREATE TABLE IF NOT EXISTS attempts (
                tenant TEXT NOT NULL,
                destination TEXT NOT NULL,
                seq INTEGER NOT NULL,
                attempt INTEGER NOT NULL,
                at INTEGER NOT NULL,
                outcome TEXT NOT NULL,
                status INTEGER,
                code TEXT,
                message TEXT,
                latency_ms INTEGER NOT NULL,
                PRIMARY KEY (tenant, destination, seq, at, attempt)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS events_received ON events (received_at);
            UPDATE events SET destinations = coalesce(
                (SELECT group_concat(r.destination, ',') FROM routes r WHERE r.tenant = events.tenant AND r.seq = events.seq), '');
            PRAGMA user_version = 2;
            """,
        // Properties may now be stored compressed (`StoredProperties`); the tables are unchanged,
        // but a router that knows only version 2 must not read such rows.
        3: "PRAGMA user_version = 3;",
    ]

    static let create = """
        CREATE TABLE IF NOT EXISTS events (
            seq INTEGER PRIMARY KEY,
            tenant TEXT NOT NULL,
            id TEXT NOT NULL,
            type TEXT NOT NULL,
            occurred_at INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            properties BLOB NOT NULL,
            UNIQUE (tenant, id)
        );
        CREATE TABLE IF NOT EXISTS routes (
            tenant TEXT NOT NULL,
            destination TEXT NOT NULL,
            seq INTEGER NOT NULL,
            PRIMARY KEY (tenant, destination, seq)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS partitions (
            tenant TEXT NOT NULL,
            destination TEXT NOT NULL,
            cursor INTEGER NOT NULL DEFAULT 0,
            head_failures INTEGER NOT NULL DEFAULT 0,
            failing_since INTEGER,
            PRIMARY KEY (tenant, destination)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS retries (
            tenant TEXT NOT NULL,
            destination TEXT NOT NULL,
            seq INTEGER NOT NULL,
            failures INTEGER NOT NULL,
            next_attempt_at INTEGER NOT NULL,
            first_failure_at INTEGER NOT NULL,
            code TEXT NOT NULL,
            message TEXT NOT NULL,
            status INTEGER,
            PRIMARY KEY (tenant, destination, seq)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS retries_due ON retries (tenant, destination, next_attempt_at);
        CREATE TABLE IF NOT EXISTS dead_letters (
            tenant TEXT NOT NULL,
            destination TEXT NOT NULL,
            seq INTEGER NOT NULL,
            event_id TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            code TEXT NOT NULL,
            message TEXT NOT NULL,
            status INTEGER,
            failed_at INTEGER NOT NULL,
            PRIMARY KEY (tenant, destination, seq)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS dead_letters_time ON dead_letters (tenant, failed_at);
        """
}
