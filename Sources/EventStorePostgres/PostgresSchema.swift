/// The store's tables, all in the `retention_router` schema, and the migrations that build them.
///
/// Migrations are applied in order inside one transaction under an advisory lock, so instances
/// starting together never race, and each is recorded in `schema_migrations`.
enum PostgresSchema {
    /// The schema (namespace) every table lives in.
    static let name = "retention_router"

    /// The advisory lock key migrations run under (any fixed number; "rr" + "mg").
    static let migrationLock: Int64 = 0x7272_6D67

    /// The LISTEN/NOTIFY channel new events are announced on ("INSTANCE\tTENANT").
    static let arrivalChannel = "retention_router_events"

    /// The advisory lock pruning, replay and erasure take, so they never interleave ("rr" + "mt").
    static let maintenanceLock: Int64 = 0x7272_6D74

    /// Statements that bring the schema to version N, indexed by N.
    static let migrations: [(version: Int, sql: String)] = [
        (
            1,
            """
            CREATE TABLE retention_router.events (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                tenant TEXT NOT NULL,
                id TEXT NOT NULL,
                type TEXT NOT NULL,
                occurred_at BIGINT NOT NULL,
                received_at BIGINT NOT NULL,
                properties BYTEA NOT NULL,
                destinations TEXT[] NOT NULL,
                UNIQUE (tenant, id)
            );
            CREATE INDEX events_received ON retention_router.events (received_at);
            -- The head of each partition: events routed to it and not yet taken off. Rows go when
            -- a commit takes them, so an event that commits late (after a later sequence) still
            -- joins the head instead of being skipped by a cursor.
            CREATE TABLE retention_router.pending (
                tenant TEXT NOT NULL,
                destination TEXT NOT NULL,
                seq BIGINT NOT NULL,
                PRIMARY KEY (tenant, destination, seq)
            );
            CREATE TABLE retention_router.partitions (
                tenant TEXT NOT NULL,
                destination TEXT NOT NULL,
                head_failures INTEGER NOT NULL DEFAULT 0,
                failing_since BIGINT,
                paused_until BIGINT,
                PRIMARY KEY (tenant, destination)
            );
            -- Who delivers each partition; expiry is in the database's clock, so instances'
            -- clocks never have to agree.
            CREATE TABLE retention_router.leases (
                tenant TEXT NOT NULL,
                destination TEXT NOT NULL,
                owner TEXT,
                expires_at BIGINT,
                PRIMARY KEY (tenant, destination)
            );
            -- Instances alive (seen within a lease), to divide the partitions fairly.
            CREATE TABLE retention_router.instances (
                id TEXT PRIMARY KEY,
                seen_at BIGINT NOT NULL
            );
            CREATE TABLE retention_router.retries (
                tenant TEXT NOT NULL,
                destination TEXT NOT NULL,
                seq BIGINT NOT NULL,
                failures INTEGER NOT NULL,
                next_attempt_at BIGINT NOT NULL,
                first_failure_at BIGINT NOT NULL,
                code TEXT NOT NULL,
                message TEXT NOT NULL,
                status INTEGER,
                PRIMARY KEY (tenant, destination, seq)
            );
            CREATE INDEX retries_due ON retention_router.retries (tenant, destination, next_attempt_at);
            CREATE TABLE retention_router.dead_letters (
                tenant TEXT NOT NULL,
                destination TEXT NOT NULL,
                seq BIGINT NOT NULL,
                event_id TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                code TEXT NOT NULL,
                message TEXT NOT NULL,
                status INTEGER,
                failed_at BIGINT NOT NULL,
                PRIMARY KEY (tenant, destination, seq)
            );
            CREATE INDEX dead_letters_time ON retention_router.dead_letters (tenant, failed_at);
            CREATE INDEX dead_letters_seq ON retention_router.dead_letters (tenant, seq);
            CREATE TABLE retention_router.attempts (
                tenant TEXT NOT NULL,
                destination TEXT NOT NULL,
                seq BIGINT NOT NULL,
                attempt INTEGER NOT NULL,
                at BIGINT NOT NULL,
                outcome TEXT NOT NULL,
                status INTEGER,
                code TEXT,
                message TEXT,
                latency_ms BIGINT NOT NULL,
                PRIMARY KEY (tenant, destination, seq, at, attempt)
            );
            """
        ),
        (
            2,
            // The operator console: a tenant's events newest first, dead letters by reason, each
            // partition's last failure, and per-minute delivery totals that `commit` keeps (one
            // count column per `LatencyBuckets` bucket, in `latencyColumns`).
            """
            CREATE INDEX events_tenant_seq ON retention_router.events (tenant, seq);
            CREATE INDEX dead_letters_code ON retention_router.dead_letters (tenant, code, failed_at);
            ALTER TABLE retention_router.partitions
                ADD COLUMN last_failure_at BIGINT,
                ADD COLUMN last_failure_code TEXT,
                ADD COLUMN last_failure_message TEXT,
                ADD COLUMN last_failure_status INTEGER;
            CREATE TABLE retention_router.delivery_minutes (
                tenant TEXT NOT NULL,
                destination TEXT NOT NULL,
                minute_start_ms BIGINT NOT NULL,
                delivered BIGINT NOT NULL DEFAULT 0,
                failed BIGINT NOT NULL DEFAULT 0,
                latency_5 BIGINT NOT NULL DEFAULT 0,
                latency_10 BIGINT NOT NULL DEFAULT 0,
                latency_25 BIGINT NOT NULL DEFAULT 0,
                latency_50 BIGINT NOT NULL DEFAULT 0,
                latency_100 BIGINT NOT NULL DEFAULT 0,
                latency_250 BIGINT NOT NULL DEFAULT 0,
                latency_500 BIGINT NOT NULL DEFAULT 0,
                latency_1000 BIGINT NOT NULL DEFAULT 0,
                latency_2500 BIGINT NOT NULL DEFAULT 0,
                latency_5000 BIGINT NOT NULL DEFAULT 0,
                latency_10000 BIGINT NOT NULL DEFAULT 0,
                latency_slower BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (tenant, destination, minute_start_ms)
            );
            CREATE INDEX delivery_minutes_time ON retention_router.delivery_minutes (minute_start_ms);
            """
        ),
        (
            3,
            // Erasure and the audit log: an erased event keeps its row with an empty `properties`
            // (not a JSON object, so a reader that ignores `erased_at` finds it unreadable rather
            // than empty) and the time; the audit log is append-only, newest first by `seq`,
            // pruned by `at`.
            """
            ALTER TABLE retention_router.events ADD COLUMN erased_at BIGINT;
            CREATE TABLE retention_router.audit (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at BIGINT NOT NULL,
                role TEXT NOT NULL,
                address TEXT,
                action TEXT NOT NULL,
                tenant TEXT,
                destination TEXT,
                event_id TEXT,
                detail TEXT
            );
            CREATE INDEX audit_at ON retention_router.audit (at);
            CREATE INDEX audit_action ON retention_router.audit (action, seq);
            CREATE INDEX audit_tenant ON retention_router.audit (tenant, seq);
            """
        ),
        (
            4,
            // Backlog figures that cost the same at ten pending events as at ten million. Triggers
            // on the head, the retries and the dead letters append, once per statement, how many
            // rows each partition gained or lost to `partition_count_changes`, in the statement's
            // own transaction. Since they only append rows, concurrent transactions never wait for
            // one another on a shared counter row (nor deadlock over two). `statistics` folds the changes into
            // `partition_counts` and reads both. Creating a trigger takes a SHARE ROW EXCLUSIVE
            // lock, so no write runs between creating the triggers and counting the rows there are.
            """
            CREATE TABLE retention_router.partition_counts (
                tenant TEXT NOT NULL,
                destination TEXT NOT NULL,
                backlog BIGINT NOT NULL DEFAULT 0,
                dead_letters BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (tenant, destination)
            );
            CREATE TABLE retention_router.partition_count_changes (
                tenant TEXT NOT NULL,
                destination TEXT NOT NULL,
                backlog BIGINT NOT NULL,
                dead_letters BIGINT NOT NULL
            );
            CREATE FUNCTION retention_router.count_partition_rows() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE sign int8 := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
            BEGIN
                INSERT INTO retention_router.partition_count_changes (tenant, destination, backlog, dead_letters)
                SELECT tenant, destination,
                       CASE WHEN TG_ARGV[0] = 'backlog' THEN sign * count(*) ELSE 0 END,
                       CASE WHEN TG_ARGV[0] = 'dead_letters' THEN sign * count(*) ELSE 0 END
                FROM changed GROUP BY tenant, destination;
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER pending_added AFTER INSERT ON retention_router.pending
                REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION retention_router.count_partition_rows('backlog');
            CREATE TRIGGER pending_removed AFTER DELETE ON retention_router.pending
                REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION retention_router.count_partition_rows('backlog');
            CREATE TRIGGER retries_added AFTER INSERT ON retention_router.retries
                REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION retention_router.count_partition_rows('backlog');
            CREATE TRIGGER retries_removed AFTER DELETE ON retention_router.retries
                REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION retention_router.count_partition_rows('backlog');
            CREATE TRIGGER dead_letters_added AFTER INSERT ON retention_router.dead_letters
                REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION retention_router.count_partition_rows('dead_letters');
            CREATE TRIGGER dead_letters_removed AFTER DELETE ON retention_router.dead_letters
                REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION retention_router.count_partition_rows('dead_letters');
            INSERT INTO retention_router.partition_counts (tenant, destination, backlog, dead_letters)
            SELECT tenant, destination, sum(backlog), sum(dead_letters) FROM (
                SELECT tenant, destination, count(*) AS backlog, 0 AS dead_letters FROM retention_router.pending GROUP BY 1, 2
                UNION ALL SELECT tenant, destination, count(*), 0 FROM retention_router.retries GROUP BY 1, 2
                UNION ALL SELECT tenant, destination, 0, count(*) FROM retention_router.dead_letters GROUP BY 1, 2
            ) counts GROUP BY tenant, destination;
            """
        ),
    ]

    /// The `delivery_minutes` column of each `LatencyBuckets` bucket, in bucket order.
    static let latencyColumns = [
        "latency_5", "latency_10", "latency_25", "latency_50", "latency_100", "latency_250",
        "latency_500", "latency_1000", "latency_2500", "latency_5000", "latency_10000", "latency_slower",
    ]

    /// The newest version this router knows.
    static var latestVersion: Int { migrations.map(\.version).max() ?? 0 }

    /// The database's clock in milliseconds since 1970, for lease expiry.
    static let nowMilliseconds = "(extract(epoch from clock_timestamp()) * 1000)::bigint"
}
