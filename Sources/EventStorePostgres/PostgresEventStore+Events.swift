import Logging
import NIOCore
import PostgresNIO
import RouterCore

/// The operator console's event list.
extension PostgresEventStore {
    public func events(tenant: String, query: EventQuery) async throws -> EventPage {
        try await self.bounded {
            try await PostgresEventListing(client: self.client, logger: self.logger, tenant: tenant, query: query).page()
        }
    }
}

/// One call of `PostgresEventStore.events(tenant:query:)`.
///
/// Rows are read newest first, in chunks (one statement each), along the index that applies the
/// most filters: the `(tenant, id)` key for an id; with a destination, the `pending`, `retries`
/// or `dead_letters` key for those states; `events_tenant_seq` for the rest. The database
/// applies every other filter (each destination's state by key, for the rows the cheaper filters
/// let through, and a search of the properties that rejects only rows the text cannot match)
/// and answers with the rows that pass and how far the chunk got, so the rows it rejects never
/// cross the wire. Every row a chunk walks counts as examined, and a call walks at most
/// `scanLimit` rows whatever the filters. The text is matched here.
struct PostgresEventListing {
    /// Rows per chunk at most; the first chunk is one page, and each next one four times larger.
    static let chunkSize = 2000
    /// How many events received since `from` are counted to stop the scan before older events.
    static let fromBoundLimit: Int64 = 50_000

    /// A row that passes the database's filters.
    private struct Row {
        /// Its place in the chunk, from 1.
        var position: Int
        var sequence: Int64
        var receivedAt: Int64
        var id: String
        var type: String
        var occurredAt: Int64
        var states: [String]
        var properties: ByteBuffer?
        var erasedAt: Int64?
    }

    /// What one chunk statement read.
    private struct Chunk {
        /// Rows walked.
        var examined = 0
        /// The last row walked: its sequence and receiving time.
        var last: (sequence: Int64, receivedAt: Int64)?
        /// The rows that pass the database's filters, in order.
        var rows: [Row] = []
    }

    let client: PostgresClient
    let logger: Logger
    let tenant: String
    let query: EventQuery
    private let limit: Int
    private let scanLimit: Int
    private let text: PropertyTextMatcher?

    init(client: PostgresClient, logger: Logger, tenant: String, query: EventQuery) {
        self.client = client
        self.logger = logger
        self.tenant = tenant
        self.query = query
        self.limit = min(max(query.limit, 1), 200)
        self.scanLimit = max(query.scanLimit, 1)
        self.text = PropertyTextMatcher(query.text)
    }

    /// Reads chunks until the page is full, the scan bound is reached or the rows run out.
    func page() async throws -> EventPage {
        var before = self.query.before ?? .max
        let floor = try await self.floor()
        var entries: [EventPage.Entry] = []
        var scanned = 0
        var scannedBackTo: Timestamp?
        var size = self.limit + 1
        while true {
            size = min(size, self.scanLimit - scanned)
            guard size > 0 else {
                return EventPage(entries: entries, next: before, scanned: scanned, scannedBackTo: scannedBackTo)
            }
            let chunk = try await self.read(before: before, floor: floor, count: size)
            // A short chunk reached the oldest row on the path (an id has one row at most).
            let exhausted = chunk.examined < size || self.query.id != nil
            var examined = chunk.examined
            var last = chunk.last
            var full = false
            for row in chunk.rows {
                guard let entry = try self.entry(row) else { continue }
                entries.append(entry)
                if entries.count == self.limit {
                    // Rows after this one are left for the next page.
                    (examined, last, full) = (row.position, (row.sequence, row.receivedAt), true)
                    break
                }
            }
            scanned += examined
            if let last {
                before = last.sequence
                scannedBackTo = Timestamp(millisecondsSince1970: last.receivedAt)
            }
            if full || exhausted {
                let done = exhausted && examined == chunk.examined
                return EventPage(entries: entries, next: done ? nil : before, scanned: scanned, scannedBackTo: scannedBackTo)
            }
            size = min(size * 4, Self.chunkSize)
        }
    }

    /// The lowest sequence an event received since `from` can have, found from the
    /// `events_received` index when few events (of any tenant) were received since then;
    /// `Int64.min` otherwise. Sequences are not strictly in receiving order, so the bound is the
    /// least sequence of them all, never a guess.
    private func floor() async throws -> Int64 {
        guard let from = self.query.from else { return .min }
        let rows = try await self.client.query(
            """
            SELECT count(*)::int8, min(seq) FROM (
                SELECT seq FROM retention_router.events WHERE received_at >= \(from.millisecondsSince1970) LIMIT \(Self.fromBoundLimit + 1)
            ) recent
            """,
            logger: self.logger
        )
        for try await (count, lowest) in rows.decode((Int64, Int64?).self) where count <= Self.fromBoundLimit {
            // Nothing received since `from`: no row can match.
            return lowest ?? .max
        }
        return .min
    }

    /// The table a scan walks: the tenant's events, or the destination's rows of `pending`,
    /// `retries` or `dead_letters` when the query asks for that state there.
    private var path: String {
        guard self.query.id == nil, self.query.destination != nil else { return "events" }
        switch self.query.state {
        case .pending: return "pending"
        case .retrying: return "retries"
        case .dead: return "dead_letters"
        case .delivered, .notRouted, nil: return "events"
        }
    }

    /// One chunk, newest first: the rows that pass, then the last row walked, numbered. The walk
    /// is one branch of a `UNION ALL`: the statement is planned with its values, so the branches
    /// of the other paths never run.
    private func read(before: Int64, floor: Int64, count: Int) async throws -> Chunk {
        let tenant = self.tenant
        let path = self.path
        let destination = self.query.destination
        let state = self.query.state == .notRouted ? nil : self.query.state?.rawValue
        let routed = self.query.state != .notRouted
        let nowhere = destination == nil && self.query.state == .notRouted
        let anchor = self.text?.anchor
        let anywhere = destination == nil ? state : nil
        let rows = try await self.client.query(
            """
            -- Probes are scalar subqueries, `(SELECT true … LIMIT 1) IS NOT NULL`: the planner may
            -- turn an EXISTS into a hash of the tenant's whole table, built for every chunk.
            WITH candidates AS (
                (SELECT seq FROM retention_router.events
                 WHERE \(path == "events") AND tenant = \(tenant) AND seq < \(before) AND seq >= \(floor)
                   AND (\(self.query.id)::text IS NULL OR id = \(self.query.id)::text)
                 ORDER BY seq DESC LIMIT \(count))
                UNION ALL
                (SELECT seq FROM retention_router.pending
                 WHERE \(path == "pending") AND tenant = \(tenant) AND destination = \(destination)::text AND seq < \(before) AND seq >= \(floor)
                 ORDER BY seq DESC LIMIT \(count))
                UNION ALL
                (SELECT seq FROM retention_router.retries
                 WHERE \(path == "retries") AND tenant = \(tenant) AND destination = \(destination)::text AND seq < \(before) AND seq >= \(floor)
                 ORDER BY seq DESC LIMIT \(count))
                UNION ALL
                (SELECT seq FROM retention_router.dead_letters
                 WHERE \(path == "dead_letters") AND tenant = \(tenant) AND destination = \(destination)::text AND seq < \(before) AND seq >= \(floor)
                 ORDER BY seq DESC LIMIT \(count))
            ), filtered AS (
                SELECT e.seq, e.id, e.type, e.occurred_at, e.received_at, e.destinations, e.properties, e.erased_at,
                       row_number() OVER (ORDER BY e.seq DESC) AS position,
                       (\(self.query.type?.rawValue)::text IS NULL OR e.type = \(self.query.type?.rawValue)::text)
                       AND (\(self.query.from?.millisecondsSince1970)::int8 IS NULL OR e.received_at >= \(self.query.from?.millisecondsSince1970)::int8)
                       AND (\(self.query.to?.millisecondsSince1970)::int8 IS NULL OR e.received_at < \(self.query.to?.millisecondsSince1970)::int8)
                       AND (\(destination)::text IS NULL OR (\(destination)::text = ANY(e.destinations)) = \(routed))
                       AND (NOT \(nowhere) OR cardinality(e.destinations) = 0)
                       -- In a state at some destination: one probe by key before all states are known.
                       AND CASE \(anywhere)::text
                           WHEN 'dead' THEN (SELECT true FROM retention_router.dead_letters x WHERE x.tenant = \(tenant) AND x.seq = e.seq LIMIT 1) IS NOT NULL
                           WHEN 'retrying' THEN (SELECT true FROM retention_router.retries x
                                                 WHERE x.tenant = \(tenant) AND x.destination = ANY(e.destinations) AND x.seq = e.seq LIMIT 1) IS NOT NULL
                           WHEN 'pending' THEN (SELECT true FROM retention_router.pending x
                                                WHERE x.tenant = \(tenant) AND x.destination = ANY(e.destinations) AND x.seq = e.seq LIMIT 1) IS NOT NULL
                           ELSE true END
                       -- The text's anchor, in the properties with their ASCII letters lowercased
                       -- (collation "C" folds nothing else); escaped text is left to the matcher.
                       AND (\(anchor)::text IS NULL OR position('\\x5c'::bytea IN e.properties) > 0
                            OR CASE WHEN current_setting('server_encoding') = 'UTF8'
                                    THEN strpos(lower(convert_from(e.properties, 'UTF8') COLLATE "C"), \(anchor)::text) > 0
                                    ELSE true END) AS passes
                FROM candidates c JOIN retention_router.events e ON e.seq = c.seq
            ), listed AS (
                SELECT s.position, s.seq, s.received_at, s.id, s.type, s.occurred_at, s.states, s.properties, s.erased_at,
                       s.passes AND (\(state)::text IS NULL OR EXISTS (
                           SELECT 1 FROM unnest(s.states) AS x
                           WHERE split_part(x, ':', 2) = \(state)::text AND (\(destination)::text IS NULL OR split_part(x, ':', 1) = \(destination)::text)
                       )) AS matches
                FROM (
                    -- Each destination's state, by key, for the rows the filters above let through
                    -- (OFFSET 0: computed once, not again where `states` is used).
                    SELECT f.*, CASE WHEN f.passes THEN ARRAY(
                        SELECT d || ':' || CASE
                            WHEN (SELECT true FROM retention_router.dead_letters x
                                  WHERE x.tenant = \(tenant) AND x.destination = d AND x.seq = f.seq LIMIT 1) IS NOT NULL THEN 'dead'
                            WHEN (SELECT true FROM retention_router.retries x
                                  WHERE x.tenant = \(tenant) AND x.destination = d AND x.seq = f.seq LIMIT 1) IS NOT NULL THEN 'retrying'
                            WHEN (SELECT true FROM retention_router.pending x
                                  WHERE x.tenant = \(tenant) AND x.destination = d AND x.seq = f.seq LIMIT 1) IS NOT NULL THEN 'pending'
                            ELSE 'delivered' END
                        FROM unnest(f.destinations) AS d ORDER BY d) END AS states
                    FROM filtered f OFFSET 0
                ) s
            )
            SELECT position, seq, received_at, id, type, occurred_at, states, CASE WHEN \(self.text != nil) THEN properties END, erased_at
            FROM listed WHERE matches
            UNION ALL
            SELECT position, seq, received_at, NULL, NULL, NULL, NULL, NULL, NULL
            FROM listed WHERE position = (SELECT max(position) FROM listed)
            ORDER BY 1, 4 NULLS LAST
            """,
            logger: self.logger
        )
        var chunk = Chunk()
        for try await (position, sequence, received, id, type, occurred, states, properties, erasedAt) in rows.decode(
            (Int64, Int64, Int64, String?, String?, Int64?, [String]?, ByteBuffer?, Int64?).self
        ) {
            guard let id, let type, let occurred else {
                chunk.examined = Int(position)
                chunk.last = (sequence, received)
                continue
            }
            chunk.rows.append(
                Row(
                    position: Int(position), sequence: sequence, receivedAt: received, id: id, type: type, occurredAt: occurred,
                    states: states ?? [], properties: properties, erasedAt: erasedAt
                )
            )
        }
        return chunk
    }

    /// The row's entry, when its properties match the text (an erased row's never do).
    private func entry(_ row: Row) throws -> EventPage.Entry? {
        if let text = self.text {
            guard row.erasedAt == nil else { return nil }
            guard let properties = row.properties, text.matches(Array(properties.readableBytesView)) else { return nil }
        }
        guard let type = RetentionEventType(rawValue: row.type) else {
            throw PostgresStoreError.corruptRow("stored event \(row.id) has unknown type \(row.type)")
        }
        let states = try row.states.map { pair in
            guard let colon = pair.lastIndex(of: ":"), let state = EventQuery.State(rawValue: String(pair[pair.index(after: colon)...])) else {
                throw PostgresStoreError.corruptRow("stored event \(row.id) has an unreadable destination state \(pair)")
            }
            return EventPage.DestinationState(id: String(pair[..<colon]), state: state)
        }
        return EventPage.Entry(
            sequence: row.sequence,
            id: row.id,
            type: type,
            occurredAt: Timestamp(millisecondsSince1970: row.occurredAt),
            receivedAt: Timestamp(millisecondsSince1970: row.receivedAt),
            destinations: states,
            erasedAt: row.erasedAt.map(Timestamp.init(millisecondsSince1970:))
        )
    }
}
