import Foundation
import Logging
import NIOCore
import PostgresNIO
import RouterCore
import ServiceLifecycle
import Synchronization

/// The shared `EventStore`: a PostgreSQL database that any number of router instances use at
/// once.
///
/// Every instance takes ingest (one statement per request: the events and their head entries
/// are inserted together from arrays, so a request is one round trip and one transaction).
/// Delivery is split by partition leases (`lease`), each commit is fenced by the lease, and the
/// head of a partition is a table of pending entries rather than a cursor, because PostgreSQL
/// sequences are not committed in order across connections.
public final class PostgresEventStore: EventStore, Service {
    let client: PostgresClient
    let logger: Logger
    /// This instance's name in lease rows.
    public let instanceID: String
    /// Where the database is (without the password).
    public let url: PostgresURL
    public let coordination: StoreCoordination
    let operationTimeout: Duration
    let batcher: AppendBatcher
    private let arrivals: AsyncStream<String>
    private let arrivalsContinuation: AsyncStream<String>.Continuation
    private let listenerTask = Mutex<Task<Void, Never>?>(nil)
    private let clientTask: Task<Void, Never>

    /// Connects to the database described by `settings` (the connection pool starts at once) and
    /// brings the schema up to date, retrying with backoff while the database cannot be reached.
    ///
    /// - Parameters:
    ///   - settings: the `store` block of `router.json`.
    ///   - instanceID: this instance's name in lease rows; unique among the instances.
    ///   - migrate: false to refuse a database whose schema is behind instead of migrating it.
    ///   - connectAttempts: how many times to try reaching the database; nil for as long as it takes.
    public init(settings: PostgresStoreSettings, instanceID: String, logger: Logger, migrate: Bool = true, connectAttempts: Int? = nil) async throws {
        var configuration = PostgresClient.Configuration(
            host: settings.url.host,
            port: settings.url.port,
            username: settings.url.user,
            password: settings.url.password,
            database: settings.url.database,
            tls: PostgresTLS.configuration(for: settings.url.tls)
        )
        configuration.options.maximumConnections = settings.maxConnections
        configuration.options.minimumConnections = 1
        configuration.options.connectTimeout = .seconds(5)
        // The server gives up on a statement the store has stopped waiting for.
        let timeoutMilliseconds = Self.milliseconds(settings.operationTimeout)
        configuration.options.additionalStartupParameters = [
            ("application_name", "retention-router"),
            ("statement_timeout", "\(timeoutMilliseconds)"),
            ("idle_in_transaction_session_timeout", "\(timeoutMilliseconds * 3)"),
            // Every statement is short: compiling one (which the planner starts above an
            // estimated cost that the per-row subqueries of the event list reach) takes longer
            // than running it.
            ("jit", "off"),
        ]
        // The pool logs each failed connection attempt; the store says it once per retry instead.
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
        self.client = client
        self.clientTask = Task { await client.run() }
        self.logger = logger
        self.instanceID = instanceID
        self.url = settings.url
        // The database serves every instance's ingest: bulk maintenance rests between its steps.
        self.coordination = StoreCoordination(leaseDuration: settings.leaseDuration, pollInterval: settings.pollInterval, maintenancePace: .halfDuty)
        self.operationTimeout = settings.operationTimeout
        // Group commit: up to a quarter of the pool stores requests that arrived together.
        let insertLogger = logger
        self.batcher = AppendBatcher(
            maxConcurrent: max(1, settings.maxConnections / 4),
            maxEvents: 5000,
            maxQueuedEvents: 100_000,
            timeout: settings.operationTimeout
        ) { events, routes in
            try await Self.insert(events, routes: routes, instanceID: instanceID, client: client, logger: insertLogger)
        }
        (self.arrivals, self.arrivalsContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1024))
        do {
            try await self.connect(migrate: migrate, attempts: connectAttempts)
        } catch {
            self.clientTask.cancel()
            throw error
        }
        let listener = ArrivalListener(url: settings.url, instanceID: instanceID, logger: logger, continuation: self.arrivalsContinuation)
        self.listenerTask.withLock { $0 = Task { await listener.run() } }
    }

    deinit {
        self.clientTask.cancel()
        self.listenerTask.withLock { $0 }?.cancel()
        self.arrivalsContinuation.finish()
    }

    /// Closes every connection; the store cannot be used afterwards.
    public func close() async {
        let listener = self.listenerTask.withLock { $0 }
        listener?.cancel()
        await listener?.value
        self.arrivalsContinuation.finish()
        self.clientTask.cancel()
        await self.clientTask.value
    }

    public func remoteArrivals() -> AsyncStream<String> { self.arrivals }

    /// Keeps the connection pool open while the service group runs, and closes it after the
    /// services started later (delivery) have stopped.
    public func run() async throws {
        try? await gracefulShutdown()
        await self.close()
    }

    private func connect(migrate: Bool, attempts: Int?) async throws {
        var failures = 0
        while true {
            do {
                // One plain connection first: it fails at once with the reason (refused,
                // unknown database, authentication) where the pool would keep waiting.
                try await self.probe()
                let migrator = PostgresMigrator(client: self.client, logger: self.logger)
                let status = try await withDeadline(.seconds(15)) { try await migrator.status() }
                if status.applied < status.latest {
                    guard migrate else { throw PostgresStoreError.schemaBehind(applied: status.applied, latest: status.latest) }
                    _ = try await withDeadline(.seconds(120)) { try await migrator.migrate() }
                } else if status.applied > status.latest {
                    throw PostgresStoreError.schemaAhead(applied: status.applied, latest: status.latest)
                }
                self.logger.notice("PostgreSQL store ready", metadata: ["store.url": "\(self.url)", "schema.version": "\(max(status.applied, status.latest))"])
                return
            } catch let error as PostgresStoreError {
                throw error
            } catch {
                failures += 1
                if let attempts, failures >= attempts {
                    throw PostgresStoreError.unreachable(url: self.url, reason: PostgresStoreError.describe(error))
                }
                let wait = min(ExponentialJitterRetryPolicy.standard.delay(afterFailures: failures), .seconds(30))
                self.logger.error(
                    "PostgreSQL store not ready; retrying",
                    metadata: ["store.url": "\(self.url)", "error": "\(PostgresStoreError.describe(error))", "retry.in": "\(wait)", "attempt": "\(failures)"]
                )
                try await Task.sleep(for: wait)
            }
        }
    }

    /// Runs one store operation within the configured timeout (the database gone away, the
    /// pool unable to connect), so ingest, delivery and shutdown never hang on it.
    func bounded<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        try await self.readableErrors { try await withDeadline(self.operationTimeout, body) }
    }

    /// Runs `body`, turning a missed deadline and the driver's errors into `PostgresStoreError`s
    /// that name the database and the server's message.
    func readableErrors<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch is DeadlineExceeded {
            throw PostgresStoreError.unreachable(url: self.url, reason: "no answer within \(self.operationTimeout)")
        } catch let error as PSQLError {
            // The driver's own description hides the server's message; say what it was.
            throw PostgresStoreError.failed(PostgresStoreError.describe(error))
        }
    }

    private func probe() async throws {
        let configuration = try self.url.connectionConfiguration()
        var quiet = self.logger
        quiet.logLevel = max(quiet.logLevel, .warning)
        let logger = quiet
        let connection = try await withDeadline(.seconds(10)) {
            try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        }
        try await connection.close()
    }

    public func append(_ events: [RetentionEvent], routes: [[String]]) async throws -> [Bool] {
        precondition(events.count == routes.count, "one route list per event")
        guard !events.isEmpty else { return [] }
        // The batcher bounds the whole wait, queued and running, by the operation timeout.
        let batcher = self.batcher
        return try await self.readableErrors { try await batcher.append(events, routes: routes) }
    }

    /// Stores events of any tenants in one statement (atomic, one round trip whatever the
    /// count); returns the keys of those that were new. A resent id (also from another
    /// instance) conflicts on (tenant, id) and is neither stored nor routed.
    static func insert(
        _ events: [RetentionEvent],
        routes: [[String]],
        instanceID: String,
        client: PostgresClient,
        logger: Logger
    ) async throws -> Set<EventKey> {
        var tenants: [String] = []
        var ids: [String] = []
        var types: [String] = []
        var occurred: [Int64] = []
        var received: [Int64] = []
        var properties: [ByteBuffer] = []
        var destinations: [String] = []
        for (event, routed) in zip(events, routes) {
            tenants.append(event.tenant)
            ids.append(event.id)
            types.append(event.type.rawValue)
            occurred.append(event.occurredAt.millisecondsSince1970)
            received.append(event.receivedAt.millisecondsSince1970)
            properties.append(ByteBuffer(bytes: event.propertiesJSON))
            destinations.append(routed.joined(separator: ","))
        }
        let rows = try await client.query(
            """
            WITH input AS (
                SELECT * FROM unnest(\(tenants)::text[], \(ids)::text[], \(types)::text[], \(occurred)::int8[],
                                     \(received)::int8[], \(properties)::bytea[], \(destinations)::text[])
                    WITH ORDINALITY AS t(tenant, id, type, occurred_at, received_at, properties, destinations, ord)
            ), inserted AS (
                INSERT INTO retention_router.events (tenant, id, type, occurred_at, received_at, properties, destinations)
                SELECT tenant, id, type, occurred_at, received_at, properties, string_to_array(destinations, ',')
                FROM input ORDER BY ord
                ON CONFLICT (tenant, id) DO NOTHING
                RETURNING seq, tenant, id, destinations
            ), routed AS (
                INSERT INTO retention_router.pending (tenant, destination, seq)
                SELECT i.tenant, d, i.seq FROM inserted i, unnest(i.destinations) AS d
            ), notified AS (
                -- Delivered at commit to every instance listening: the holder wakes at once.
                SELECT pg_notify(\(PostgresSchema.arrivalChannel), \(instanceID) || E'\\t' || tenant)
                FROM (SELECT DISTINCT tenant FROM inserted) t
            )
            SELECT i.tenant, i.id FROM inserted i CROSS JOIN (SELECT count(*) FROM notified) n
            """,
            logger: logger
        )
        var new: Set<EventKey> = []
        for try await (tenant, id) in rows.decode((String, String).self) {
            new.insert(EventKey(tenant: tenant, id: id))
        }
        return new
    }

    public func state(of partition: PartitionKey) async throws -> PartitionState {
        try await self.bounded {
            let rows = try await self.client.query(
                """
                SELECT head_failures, failing_since, paused_until FROM retention_router.partitions
                WHERE tenant = \(partition.tenant) AND destination = \(partition.destination)
                """,
                logger: self.logger
            )
            for try await (failures, since, paused) in rows.decode((Int, Int64?, Int64?).self) {
                return PartitionState(
                    headFailures: failures,
                    failingSince: since.map(Timestamp.init(millisecondsSince1970:)),
                    pausedUntil: paused.map(Timestamp.init(millisecondsSince1970:))
                )
            }
            return PartitionState()
        }
    }

    public func head(of partition: PartitionKey, limit: Int, maxBytes: Int) async throws -> [StoredEvent] {
        try await self.bounded {
            let rows = try await self.client.query(
                """
                SELECT e.seq, e.id, e.type, e.occurred_at, e.received_at, e.properties, 0, NULL::int8
                FROM (
                    -- The head first, by its own key: joined the other way round, the planner may
                    -- walk every event in order looking for the few still pending.
                    SELECT seq FROM retention_router.pending
                    WHERE tenant = \(partition.tenant) AND destination = \(partition.destination)
                    ORDER BY seq LIMIT \(limit)
                ) p JOIN retention_router.events e ON e.seq = p.seq
                ORDER BY p.seq
                """,
                logger: self.logger
            )
            return try await Self.storedEvents(rows, tenant: partition.tenant, maxBytes: maxBytes)
        }
    }

    public func dueRetries(in partition: PartitionKey, now: Timestamp, limit: Int, maxBytes: Int) async throws -> [StoredEvent] {
        try await self.bounded {
            let rows = try await self.client.query(
                """
                SELECT e.seq, e.id, e.type, e.occurred_at, e.received_at, e.properties, r.failures, r.first_failure_at
                FROM (
                    SELECT seq, failures, first_failure_at FROM retention_router.retries
                    WHERE tenant = \(partition.tenant) AND destination = \(partition.destination)
                      AND next_attempt_at <= \(now.millisecondsSince1970)
                    ORDER BY seq LIMIT \(limit)
                ) r JOIN retention_router.events e ON e.seq = r.seq
                ORDER BY r.seq
                """,
                logger: self.logger
            )
            return try await Self.storedEvents(rows, tenant: partition.tenant, maxBytes: maxBytes)
        }
    }

    public func nextRetry(in partition: PartitionKey) async throws -> Timestamp? {
        try await self.bounded {
            let rows = try await self.client.query(
                """
                SELECT r.next_attempt_at FROM retention_router.retries r
                WHERE r.tenant = \(partition.tenant) AND r.destination = \(partition.destination)
                  AND EXISTS (SELECT 1 FROM retention_router.events e WHERE e.seq = r.seq)
                -- By the retries_due index, stopping at the first: a min() over the join read
                -- every retry of the partition (a million after a replay) on each look.
                ORDER BY r.next_attempt_at LIMIT 1
                """,
                logger: self.logger
            )
            for try await next in rows.decode(Int64.self) {
                return Timestamp(millisecondsSince1970: next)
            }
            return nil
        }
    }

    /// Reads rows of (seq, id, type, occurred, received, properties, failures, first failure),
    /// stopping before the properties exceed `maxBytes` (but keeping at least one).
    static func storedEvents(_ rows: PostgresRowSequence, tenant: String, maxBytes: Int) async throws -> [StoredEvent] {
        var events: [StoredEvent] = []
        var bytes = 0
        for try await (sequence, id, typeName, occurred, received, properties, failures, firstFailure) in rows.decode(
            (Int64, String, String, Int64, Int64, ByteBuffer, Int, Int64?).self
        ) {
            bytes += properties.readableBytes
            if !events.isEmpty, bytes > maxBytes { break }
            let text = Array(properties.readableBytesView)
            let type = RetentionEventType(rawValue: typeName)
            // A row that cannot be read comes back marked, so one bad row never stalls its
            // partition and nothing reaches a destination emptier than it was accepted.
            let problem = type == nil ? "unknown event type \"\(typeName)\"" : StoredEvent.problem(withProperties: text)
            if let problem {
                events.append(
                    StoredEvent.unreadable(
                        sequence: sequence,
                        id: id,
                        tenant: tenant,
                        type: type,
                        occurredAt: Timestamp(millisecondsSince1970: occurred),
                        receivedAt: Timestamp(millisecondsSince1970: received),
                        problem: problem,
                        failures: failures,
                        firstFailure: firstFailure.map(Timestamp.init(millisecondsSince1970:))
                    )
                )
                continue
            }
            let event = RetentionEvent(
                id: id,
                type: type ?? .pageLoaded,
                tenant: tenant,
                occurredAt: Timestamp(millisecondsSince1970: occurred),
                receivedAt: Timestamp(millisecondsSince1970: received),
                encodedProperties: text
            )
            events.append(StoredEvent(sequence: sequence, event: event, failures: failures, firstFailure: firstFailure.map(Timestamp.init(millisecondsSince1970:))))
        }
        return events
    }
}

/// A tenant's event id, to match inserted rows back to the request.
struct EventKey: Hashable {
    let tenant: String
    let id: String
}
