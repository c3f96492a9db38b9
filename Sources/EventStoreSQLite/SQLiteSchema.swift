/// The store's tables: `create` is version 1, and `migrations` bring any store (a new one too)
/// to `version`, so a new store and a migrated one end with the same schema.
enum SQLiteSchema {
    /// Settings of the writer's connection. `recursive_triggers` makes a row that `OR REPLACE`
    /// deletes fire its delete trigger, so the partition counts stay exact also then.
    static let pragmas = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = FULL;
        PRAGMA temp_store = MEMORY;
        PRAGMA cache_size = -8000;
        PRAGMA secure_delete = ON;
        PRAGMA recursive_triggers = ON;
        """

    static let version: Int64 = 6

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
        // The operator console: a tenant's events newest first, dead letters by reason and in
        // sequence order, each partition's last failure, and per-minute delivery totals that
        // `commit` keeps (one count column per `LatencyBuckets` bucket, in `latencyColumns`).
        4: """
            CREATE INDEX IF NOT EXISTS events_tenant_seq ON events (tenant, seq);
            CREATE INDEX IF NOT EXISTS dead_letters_code ON dead_letters (tenant, code, failed_at);
            CREATE INDEX IF NOT EXISTS dead_letters_seq ON dead_letters (tenant, seq);
            ALTER TABLE partitions ADD COLUMN last_failure_at INTEGER;
            ALTER TABLE partitions ADD COLUMN last_failure_code TEXT;
            ALTER TABLE partitions ADD COLUMN last_failure_message TEXT;
            ALTER TABLE partitions ADD COLUMN last_failure_status INTEGER;
            CREATE TABLE IF NOT EXISTS delivery_minutes (
                tenant TEXT NOT NULL,
                destination TEXT NOT NULL,
                minute_start_ms INTEGER NOT NULL,
                delivered INTEGER NOT NULL DEFAULT 0,
                failed INTEGER NOT NULL DEFAULT 0,
                latency_5 INTEGER NOT NULL DEFAULT 0,
                latency_10 INTEGER NOT NULL DEFAULT 0,
                latency_25 INTEGER NOT NULL DEFAULT 0,
                latency_50 INTEGER NOT NULL DEFAULT 0,
                latency_100 INTEGER NOT NULL DEFAULT 0,
                latency_250 INTEGER NOT NULL DEFAULT 0,
                latency_500 INTEGER NOT NULL DEFAULT 0,
                latency_1000 INTEGER NOT NULL DEFAULT 0,
                latency_2500 INTEGER NOT NULL DEFAULT 0,
                latency_5000 INTEGER NOT NULL DEFAULT 0,
                latency_10000 INTEGER NOT NULL DEFAULT 0,
                latency_slower INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (tenant, destination, minute_start_ms)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS delivery_minutes_time ON delivery_minutes (minute_start_ms);
            PRAGMA user_version = 4;
            """,
        // Erasure and the audit log: an erased event keeps its row with an empty `properties`
        // blob (not a JSON object, so a reader that ignores `erased_at` finds it unreadable
        // rather than empty) and the time; the audit log is append-only, newest first by `seq`
        // (AUTOINCREMENT: never reused, also after pruning), pruned by `at`.
        5: """
            ALTER TABLE events ADD COLUMN erased_at INTEGER;
            CREATE TABLE IF NOT EXISTS audit (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                at INTEGER NOT NULL,
                role TEXT NOT NULL,
                address TEXT,
                action TEXT NOT NULL,
                tenant TEXT,
                destination TEXT,
                event_id TEXT,
                detail TEXT
            );
            CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
            CREATE INDEX IF NOT EXISTS audit_action ON audit (action, seq);
            CREATE INDEX IF NOT EXISTS audit_tenant ON audit (tenant, seq);
            PRAGMA user_version = 5;
            """,
        // Backlog figures that cost the same at ten pending events as at ten million: each
        // partition keeps its `backlog` (routes after the cursor, plus retries) and its
        // `dead_letters` count, changed in the transaction that changes the rows. `append` counts
        // the routes it inserts itself (one update per partition per transaction: a trigger per
        // row would cost ingest about a microsecond per event); triggers count everything else.
        // A trigger's own statements never use `OR IGNORE`/`OR REPLACE`: SQLite would apply the
        // outer statement's conflict policy to them (an outer `OR REPLACE` would replace the
        // partition row). The counts start from the rows there are.
        6: """
            ALTER TABLE partitions ADD COLUMN backlog INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE partitions ADD COLUMN dead_letters INTEGER NOT NULL DEFAULT 0;
            INSERT OR IGNORE INTO partitions (tenant, destination)
                SELECT DISTINCT tenant, destination FROM routes
                UNION SELECT DISTINCT tenant, destination FROM retries
                UNION SELECT DISTINCT tenant, destination FROM dead_letters;
            UPDATE partitions SET
                backlog = (SELECT count(*) FROM routes r WHERE r.tenant = partitions.tenant AND r.destination = partitions.destination AND r.seq > partitions.cursor)
                    + (SELECT count(*) FROM retries t WHERE t.tenant = partitions.tenant AND t.destination = partitions.destination),
                dead_letters = (SELECT count(*) FROM dead_letters d WHERE d.tenant = partitions.tenant AND d.destination = partitions.destination);
            CREATE TRIGGER IF NOT EXISTS partitions_cursor_moved AFTER UPDATE OF cursor ON partitions
            WHEN NEW.cursor <> OLD.cursor BEGIN
                UPDATE partitions SET backlog = backlog
                    - (SELECT count(*) FROM routes WHERE tenant = NEW.tenant AND destination = NEW.destination AND seq > OLD.cursor AND seq <= NEW.cursor)
                    + (SELECT count(*) FROM routes WHERE tenant = NEW.tenant AND destination = NEW.destination AND seq > NEW.cursor AND seq <= OLD.cursor)
                WHERE tenant = NEW.tenant AND destination = NEW.destination;
            END;
            CREATE TRIGGER IF NOT EXISTS routes_removed AFTER DELETE ON routes BEGIN
                UPDATE partitions SET backlog = backlog - 1
                WHERE tenant = OLD.tenant AND destination = OLD.destination AND OLD.seq > cursor;
            END;
            CREATE TRIGGER IF NOT EXISTS retries_added AFTER INSERT ON retries BEGIN
                INSERT INTO partitions (tenant, destination) SELECT NEW.tenant, NEW.destination
                WHERE NOT EXISTS (SELECT 1 FROM partitions WHERE tenant = NEW.tenant AND destination = NEW.destination);
                UPDATE partitions SET backlog = backlog + 1 WHERE tenant = NEW.tenant AND destination = NEW.destination;
            END;
            CREATE TRIGGER IF NOT EXISTS retries_removed AFTER DELETE ON retries BEGIN
                UPDATE partitions SET backlog = backlog - 1 WHERE tenant = OLD.tenant AND destination = OLD.destination;
            END;
            CREATE TRIGGER IF NOT EXISTS dead_letters_added AFTER INSERT ON dead_letters BEGIN
                INSERT INTO partitions (tenant, destination) SELECT NEW.tenant, NEW.destination
                WHERE NOT EXISTS (SELECT 1 FROM partitions WHERE tenant = NEW.tenant AND destination = NEW.destination);
                UPDATE partitions SET dead_letters = dead_letters + 1 WHERE tenant = NEW.tenant AND destination = NEW.destination;
            END;
            CREATE TRIGGER IF NOT EXISTS dead_letters_removed AFTER DELETE ON dead_letters BEGIN
                UPDATE partitions SET dead_letters = dead_letters - 1 WHERE tenant = OLD.tenant AND destination = OLD.destination;
            END;
            PRAGMA user_version = 6;
            """,
    ]

    /// The `delivery_minutes` column of each `LatencyBuckets` bucket, in bucket order.
    static let latencyColumns = [
        "latency_5", "latency_10", "latency_25", "latency_50", "latency_100", "latency_250",
        "latency_500", "latency_1000", "latency_2500", "latency_5000", "latency_10000", "latency_slower",
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
