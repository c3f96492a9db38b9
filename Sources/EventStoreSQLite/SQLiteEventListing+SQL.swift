import RouterCore

/// The statements of `SQLiteEventListing`.
///
/// Parameters: ?1 tenant, ?2 read below this sequence, ?3 and from this one, ?4 rows, ?5 type,
/// ?6 from, ?7 to, ?8 a destination the event must (?9 = 1) or must not (?9 = 0) be routed to,
/// ?10 set: routed nowhere, ?11 the id or the destination of the path, ?12 a destination where
/// the event must be in state ?13, ?14 a state the event must be in at some destination, ?15 set:
/// read the properties.
enum SQLiteEventListingSQL {
    /// The chunk statement walking `path`.
    static func chunk(along path: SQLiteEventListing.Path) -> String {
        switch path {
        case .id: Self.byID
        case .tenant: Self.byTenant
        case .destination("retries", _): Self.byRetries
        case .destination("dead_letters", _): Self.byDeadLetters
        case .destination: Self.byRoutes
        }
    }

    /// Where the event `e` stands at `destination`, whose partition's cursor is `cursor`, as
    /// `EventQuery.State` names it (the same rules as `SQLiteDestinationStates`).
    private static func state(at destination: String, cursor: String) -> String {
        """
        CASE WHEN EXISTS (SELECT 1 FROM dead_letters y WHERE y.tenant = ?1 AND y.destination = \(destination) AND y.seq = e.seq) THEN 'dead'
             WHEN EXISTS (SELECT 1 FROM retries y WHERE y.tenant = ?1 AND y.destination = \(destination) AND y.seq = e.seq) THEN 'retrying'
             WHEN e.seq > \(cursor) THEN 'pending' ELSE 'delivered' END
        """
    }

    /// Each filter is a `CASE`, so SQLite evaluates none of it (no subquery) when it is not set.
    private static let passes = """
        (?5 IS NULL OR e.type = ?5) AND (?6 IS NULL OR e.received_at >= ?6) AND (?7 IS NULL OR e.received_at < ?7)
        AND CASE WHEN ?8 IS NULL THEN 1
            ELSE EXISTS (SELECT 1 FROM routes x WHERE x.tenant = ?1 AND x.destination = ?8 AND x.seq = e.seq) = ?9 END
        AND (?10 IS NULL OR e.destinations = '')
        AND CASE WHEN ?12 IS NULL THEN 1
            ELSE \(state(at: "?12", cursor: "coalesce((SELECT cursor FROM partitions WHERE tenant = ?1 AND destination = ?12), 0)")) = ?13 END
        AND CASE WHEN ?14 IS NULL THEN 1
            ELSE EXISTS (
                SELECT 1 FROM partitions p CROSS JOIN routes x ON x.tenant = p.tenant AND x.destination = p.destination AND x.seq = e.seq
                WHERE p.tenant = ?1 AND \(state(at: "p.destination", cursor: "p.cursor")) = ?14) END
        """

    private static let columns = """
        e.seq, e.received_at, \(passes), e.id, e.type, e.occurred_at, e.destinations, CASE WHEN ?15 IS NOT NULL THEN e.properties END,
        e.erased_at
        """

    static let byID = """
        SELECT \(columns) FROM events e
        WHERE e.tenant = ?1 AND e.id = ?11 AND e.seq < ?2 AND e.seq >= ?3 LIMIT ?4
        """

    static let byTenant = """
        SELECT \(columns) FROM events e
        WHERE e.tenant = ?1 AND e.seq < ?2 AND e.seq >= ?3 ORDER BY e.seq DESC LIMIT ?4
        """

    static let byRoutes = along("routes")
    static let byRetries = along("retries")
    static let byDeadLetters = along("dead_letters")

    /// Walks the destination's rows of `table`, keyed (tenant, destination, seq).
    private static func along(_ table: String) -> String {
        """
        SELECT \(columns) FROM \(table) r CROSS JOIN events e ON e.seq = r.seq
        WHERE r.tenant = ?1 AND r.destination = ?11 AND r.seq < ?2 AND r.seq >= ?3 ORDER BY r.seq DESC LIMIT ?4
        """
    }
}

/// Where listed events stand at their destinations: dead, in the retry set, after the
/// partition's cursor (pending) or delivered, by key, with each partition's cursor read once.
final class SQLiteDestinationStates {
    private let tenant: String
    private let dead: SQLiteStatement
    private let retrying: SQLiteStatement
    private let cursorQuery: SQLiteStatement
    private var cursors: [String: Int64] = [:]

    init(connection: SQLiteConnection, tenant: String) throws {
        self.tenant = tenant
        self.dead = try connection.statement("SELECT 1 FROM dead_letters WHERE tenant = ?1 AND destination = ?2 AND seq = ?3")
        self.retrying = try connection.statement("SELECT 1 FROM retries WHERE tenant = ?1 AND destination = ?2 AND seq = ?3")
        self.cursorQuery = try connection.statement("SELECT cursor FROM partitions WHERE tenant = ?1 AND destination = ?2")
    }

    /// The state of the event at `sequence` at `destination`, which it was routed to.
    func state(of sequence: Int64, at destination: String) throws -> EventQuery.State {
        if try self.exists(self.dead, destination, sequence) { return .dead }
        if try self.exists(self.retrying, destination, sequence) { return .retrying }
        return sequence > (try self.cursor(of: destination)) ? .pending : .delivered
    }

    /// The partition's cursor: events after it wait at the head.
    func cursor(of destination: String) throws -> Int64 {
        if let known = self.cursors[destination] { return known }
        self.cursorQuery.bind(1, self.tenant)
        self.cursorQuery.bind(2, destination)
        let cursor = try self.cursorQuery.step() ? self.cursorQuery.int64(0) : 0
        self.cursorQuery.reset()
        self.cursors[destination] = cursor
        return cursor
    }

    private func exists(_ statement: SQLiteStatement, _ destination: String, _ sequence: Int64) throws -> Bool {
        statement.bind(1, self.tenant)
        statement.bind(2, destination)
        statement.bind(3, sequence)
        defer { statement.reset() }
        return try statement.step()
    }
}
