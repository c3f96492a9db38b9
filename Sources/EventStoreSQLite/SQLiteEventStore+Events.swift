import RouterCore

/// The operator console's event list.
extension SQLiteEventStore {
    public func events(tenant: String, query: EventQuery) async throws -> EventPage {
        try await self.reader.run { connection in
            try SQLiteEventListing(connection: connection, tenant: tenant, query: query).page()
        }
    }
}

/// One call of `SQLiteEventStore.events(tenant:query:)`.
///
/// Rows are read newest first, in chunks, along the index that applies the most filters: the
/// `(tenant, id)` key for an id; with a destination, the `dead_letters` or `retries` key for
/// those states and the `routes` key otherwise (pending and delivered are the routes after and up
/// to the partition's cursor); `events_tenant_seq` for the rest. SQLite evaluates every other
/// filter but the text as a column and the text is matched as rows are stepped, so every row
/// read counts as examined and a call reads at most `scanLimit` rows whatever the filters; a
/// chunk stops at the row that fills the page.
struct SQLiteEventListing {
    /// Rows per chunk (the first chunk of a listing without row filters is one page).
    static let chunkSize = 500
    /// How many events received since `from` are counted to stop the scan before older events.
    static let fromBoundLimit: Int64 = 50_000

    /// The index a scan walks.
    enum Path {
        case id(String)
        case tenant
        /// Rows of this table for the destination: `routes`, `retries` or `dead_letters`.
        case destination(table: String, String)
    }

    /// A row that passes every filter.
    private struct Row {
        var sequence: Int64
        var receivedAt: Int64
        var id: String
        var type: String
        var occurredAt: Int64
        var destinations: String
        var erasedAt: Int64?
    }

    /// What one chunk statement read.
    private struct Chunk {
        /// Rows examined.
        var examined = 0
        /// The last row examined: its sequence and receiving time.
        var last: (sequence: Int64, receivedAt: Int64)?
        /// The rows that pass every filter.
        var matches: [Row] = []
        /// True when no row is left on the path after the last one examined.
        var exhausted = false
    }

    private let connection: SQLiteConnection
    private let tenant: String
    private let query: EventQuery
    private let path: Path
    private let limit: Int
    private let scanLimit: Int
    private let text: PropertyTextMatcher?
    private let states: SQLiteDestinationStates

    init(connection: SQLiteConnection, tenant: String, query: EventQuery) throws {
        self.connection = connection
        self.tenant = tenant
        self.query = query
        self.limit = min(max(query.limit, 1), 200)
        self.scanLimit = max(query.scanLimit, 1)
        self.text = PropertyTextMatcher(query.text)
        self.path = Self.path(for: query)
        self.states = try SQLiteDestinationStates(connection: connection, tenant: tenant)
    }

    private static func path(for query: EventQuery) -> Path {
        if let id = query.id { return .id(id) }
        guard let destination = query.destination else { return .tenant }
        switch query.state {
        case .notRouted: return .tenant
        case .dead: return .destination(table: "dead_letters", destination)
        case .retrying: return .destination(table: "retries", destination)
        case .pending, .delivered, nil: return .destination(table: "routes", destination)
        }
    }

    /// Reads chunks until the page is full, the scan bound is reached or the rows run out.
    func page() throws -> EventPage {
        let bounds = try self.bounds()
        var before = bounds.before
        var entries: [EventPage.Entry] = []
        var scanned = 0
        var scannedBackTo: Timestamp?
        let filtered = self.query.type != nil || self.query.from != nil || self.query.to != nil || self.query.state != nil || self.text != nil
        var size = filtered ? Self.chunkSize : self.limit + 1
        while true {
            size = min(size, self.scanLimit - scanned)
            guard size > 0 else {
                return EventPage(entries: entries, next: before, scanned: scanned, scannedBackTo: scannedBackTo)
            }
            let chunk = try self.read(before: before, floor: bounds.floor, count: size, wanted: self.limit - entries.count)
            scanned += chunk.examined
            if let last = chunk.last {
                before = last.sequence
                scannedBackTo = Timestamp(millisecondsSince1970: last.receivedAt)
            }
            entries += try chunk.matches.map(self.entry)
            if entries.count == self.limit || chunk.exhausted {
                return EventPage(entries: entries, next: chunk.exhausted ? nil : before, scanned: scanned, scannedBackTo: scannedBackTo)
            }
            size = Self.chunkSize
        }
    }

    /// The sequences to read below (`before`) and from (`floor`): the query's cursor, narrowed
    /// by the partition's cursor for pending and delivered, and by `from`: when few events (of
    /// any tenant) were received since then, the least of their sequences (found from the
    /// `events_received` index) bounds the scan, so it ends instead of reading older events.
    /// Sequences are not strictly in receiving order, so that is a bound, never a guess.
    private func bounds() throws -> (before: Int64, floor: Int64) {
        var before = self.query.before ?? .max
        var floor = Int64.min
        if case .destination("routes", let destination) = self.path {
            let cursor = try self.states.cursor(of: destination)
            if self.query.state == .pending { floor = cursor + 1 }
            if self.query.state == .delivered { before = min(before, cursor + 1) }
        }
        if let from = self.query.from {
            let statement = try self.connection.statement(
                "SELECT count(*), min(seq) FROM (SELECT seq FROM events WHERE received_at >= ?1 LIMIT ?2)"
            )
            statement.bind(1, from.millisecondsSince1970)
            statement.bind(2, Self.fromBoundLimit + 1)
            if try statement.step(), statement.int64(0) <= Self.fromBoundLimit {
                // Nothing received since `from`: no row can match.
                floor = max(floor, statement.optionalInt64(1) ?? .max)
            }
            statement.reset()
        }
        return (before, floor)
    }

    /// Reads up to `count` rows along the path, stopping after the `wanted`th that passes every
    /// filter (SQLite's and the text), so rows after it are left for the next page.
    private func read(before: Int64, floor: Int64, count: Int, wanted: Int) throws -> Chunk {
        let statement = try self.connection.statement(SQLiteEventListingSQL.chunk(along: self.path))
        defer { statement.reset() }
        self.bind(statement, before: before, floor: floor, count: count)
        var chunk = Chunk()
        while try statement.step() {
            chunk.examined += 1
            chunk.last = (statement.int64(0), statement.int64(1))
            guard statement.int64(2) != 0, try self.textMatches(statement) else { continue }
            chunk.matches.append(
                Row(
                    sequence: statement.int64(0),
                    receivedAt: statement.int64(1),
                    id: statement.string(3),
                    type: statement.string(4),
                    occurredAt: statement.int64(5),
                    destinations: statement.string(6),
                    erasedAt: statement.optionalInt64(8)
                )
            )
            if chunk.matches.count == wanted {
                // Full: the path is done only if no row follows within this chunk's limit.
                chunk.exhausted = chunk.examined < count ? !(try statement.step()) : false
                break
            }
        }
        if chunk.matches.count < wanted { chunk.exhausted = chunk.examined < count }
        if case .id = self.path { chunk.exhausted = true }
        return chunk
    }

    private func bind(_ statement: SQLiteStatement, before: Int64, floor: Int64, count: Int) {
        statement.bind(1, self.tenant)
        statement.bind(2, before)
        statement.bind(3, floor)
        statement.bind(4, Int64(count))
        statement.bind(5, self.query.type?.rawValue)
        statement.bind(6, self.query.from?.millisecondsSince1970)
        statement.bind(7, self.query.to?.millisecondsSince1970)
        switch self.path {
        case .id(let id):
            statement.bind(11, id)
        case .destination(_, let destination):
            statement.bind(11, destination)
        case .tenant:
            break
        }
        if let destination = self.query.destination {
            // Routed to it (or, for not routed, not), when the path does not say so already.
            if case .destination = self.path {} else {
                statement.bind(8, destination)
                statement.bind(9, self.query.state == .notRouted ? 0 : 1)
            }
            if let state = self.query.state, state != .notRouted {
                statement.bind(12, destination)
                statement.bind(13, state.rawValue)
            }
        } else if self.query.state == .notRouted {
            statement.bind(10, 1)
        } else if let state = self.query.state {
            statement.bind(14, state.rawValue)
        }
        if self.text != nil { statement.bind(15, 1) }
    }

    /// True when there is no text filter or the current row's properties match it (an erased
    /// row's never do).
    private func textMatches(_ statement: SQLiteStatement) throws -> Bool {
        guard let text = self.text else { return true }
        if statement.optionalInt64(8) != nil { return false }
        do {
            return text.matches(try StoredProperties.decode(statement.blob(7)))
        } catch {
            throw SQLiteError(code: -1, message: "stored event \(statement.string(3)): \(error)")
        }
    }

    /// The row's entry, with its state at each destination.
    private func entry(_ row: Row) throws -> EventPage.Entry {
        guard let type = RetentionEventType(rawValue: row.type) else {
            throw SQLiteError(code: -1, message: "stored event \(row.id) has unknown type \(row.type)")
        }
        let destinations = row.destinations.split(separator: ",").map(String.init).sorted()
        return EventPage.Entry(
            sequence: row.sequence,
            id: row.id,
            type: type,
            occurredAt: Timestamp(millisecondsSince1970: row.occurredAt),
            receivedAt: Timestamp(millisecondsSince1970: row.receivedAt),
            destinations: try destinations.map { destination in
                EventPage.DestinationState(id: destination, state: try self.states.state(of: row.sequence, at: destination))
            },
            erasedAt: row.erasedAt.map(Timestamp.init(millisecondsSince1970:))
        )
    }
}
