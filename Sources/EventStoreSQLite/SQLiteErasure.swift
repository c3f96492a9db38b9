import RouterCore

/// The statements of one erasure transaction on the writer's connection.
///
/// An erased event keeps its row with an empty `properties` blob and `erased_at`. Each of its
/// deliveries still waiting becomes a dead letter `erased`: a retry row is removed; an event at
/// a partition's head (after the cursor) stays a route, and `head` skips it by `erased_at`.
/// When erased events lead a head, the cursor moves past them, so backlog counts agree; one
/// behind a waiting event is counted in the backlog until delivery passes it.
struct SQLiteErasure {
    /// Where an erasure parked deliveries: every destination, and those where it was waiting
    /// at the head (not as a retry).
    struct Parked {
        var all: [String] = []
        var atHead: [String] = []
    }

    private let connection: SQLiteConnection
    private let tenant: String
    private let now: Timestamp
    private let tombstone: SQLiteStatement
    private let isDead: SQLiteStatement
    private let removeRetry: SQLiteStatement
    private let cursor: SQLiteStatement
    private let park: SQLiteStatement

    init(connection: SQLiteConnection, tenant: String, now: Timestamp) throws {
        self.connection = connection
        self.tenant = tenant
        self.now = now
        // `x''`: an empty blob (binding an empty array would store NULL).
        self.tombstone = try connection.statement("UPDATE events SET properties = x'', erased_at = ?2 WHERE seq = ?1")
        self.isDead = try connection.statement("SELECT 1 FROM dead_letters WHERE tenant = ?1 AND destination = ?2 AND seq = ?3")
        self.removeRetry = try connection.statement("DELETE FROM retries WHERE tenant = ?1 AND destination = ?2 AND seq = ?3")
        self.cursor = try connection.statement("SELECT cursor FROM partitions WHERE tenant = ?1 AND destination = ?2")
        self.park = try connection.statement(
            """
            INSERT OR IGNORE INTO dead_letters (tenant, destination, seq, event_id, attempts, code, message, status, failed_at)
            VALUES (?1, ?2, ?3, ?4, (SELECT count(*) FROM attempts WHERE tenant = ?1 AND destination = ?2 AND seq = ?3), ?5, ?6, NULL, ?7)
            """
        )
    }

    /// The destination ids of an `events.destinations` value.
    static func destinations(_ text: String) -> [String] {
        text.split(separator: ",").map(String.init)
    }

    /// Tombstones one event (not yet erased) and parks its waiting deliveries.
    func erase(sequence: Int64, id: String, destinations: [String]) throws -> Parked {
        self.tombstone.reset()
        self.tombstone.bind(1, sequence)
        self.tombstone.bind(2, self.now.millisecondsSince1970)
        try self.tombstone.run()
        var parked = Parked()
        for destination in destinations {
            // Already dead there: the dead letter keeps its reason (replay refuses it anyway).
            if try self.exists(self.isDead, destination, sequence) { continue }
            self.removeRetry.reset()
            self.removeRetry.bind(1, self.tenant)
            self.removeRetry.bind(2, destination)
            self.removeRetry.bind(3, sequence)
            try self.removeRetry.run()
            let wasRetrying = self.connection.changes > 0
            if !wasRetrying {
                guard sequence > (try self.cursor(of: destination)) else { continue }  // delivered
                parked.atHead.append(destination)
            }
            self.park.reset()
            self.park.bind(1, self.tenant)
            self.park.bind(2, destination)
            self.park.bind(3, sequence)
            self.park.bind(4, id)
            self.park.bind(5, FailureReason.erased.code)
            self.park.bind(6, FailureReason.erased.message)
            self.park.bind(7, self.now.millisecondsSince1970)
            try self.park.run()
            parked.all.append(destination)
        }
        return parked
    }

    /// Moves the cursor of each partition past the erased events that lead its head (at most
    /// 1,000 at a time), so they stop counting as backlog.
    func advanceCursors(past destinations: [String]) throws {
        guard !destinations.isEmpty else { return }
        let leading = try self.connection.statement(
            """
            SELECT r.seq, e.erased_at IS NOT NULL FROM routes r JOIN events e ON e.seq = r.seq
            WHERE r.tenant = ?1 AND r.destination = ?2 AND r.seq > ?3 ORDER BY r.seq LIMIT 1000
            """
        )
        let advance = try self.connection.statement("UPDATE partitions SET cursor = max(cursor, ?3) WHERE tenant = ?1 AND destination = ?2")
        for destination in Set(destinations) {
            let cursor = try self.cursor(of: destination)
            leading.reset()
            leading.bind(1, self.tenant)
            leading.bind(2, destination)
            leading.bind(3, cursor)
            var passed = cursor
            while try leading.step(), leading.int64(1) != 0 { passed = leading.int64(0) }
            leading.reset()
            guard passed > cursor else { continue }
            advance.reset()
            advance.bind(1, self.tenant)
            advance.bind(2, destination)
            advance.bind(3, passed)
            try advance.run()
        }
    }

    /// One bounded step of erasing by a property value: the tenant's next `limit` events after
    /// `after`, matched as they are read; with `erase`, the matching ones are erased.
    static func step(
        _ connection: SQLiteConnection,
        tenant: String,
        match: PropertyValueMatch,
        after: Int64,
        limit: Int,
        erase: Bool,
        now: Timestamp
    ) throws -> ErasureProgress {
        let rows = try connection.statement(
            "SELECT seq, id, destinations, erased_at IS NOT NULL, properties FROM events WHERE tenant = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
        )
        rows.bind(1, tenant)
        rows.bind(2, after)
        rows.bind(3, Int64(limit))
        var scanned = 0
        var last: Int64?
        var matches: [(sequence: Int64, id: String, destinations: [String])] = []
        while try rows.step() {
            scanned += 1
            last = rows.int64(0)
            guard rows.int64(3) == 0, Self.properties(rows.blob(4), match: match) else { continue }
            matches.append((rows.int64(0), rows.string(1), Self.destinations(rows.string(2))))
        }
        rows.reset()
        var deadLettered: [PartitionKey: Int] = [:]
        if erase, !matches.isEmpty {
            let erasure = try SQLiteErasure(connection: connection, tenant: tenant, now: now)
            var atHead: Set<String> = []
            for event in matches {
                let parked = try erasure.erase(sequence: event.sequence, id: event.id, destinations: event.destinations)
                for destination in parked.all { deadLettered[PartitionKey(tenant: tenant, destination: destination), default: 0] += 1 }
                atHead.formUnion(parked.atHead)
            }
            try erasure.advanceCursors(past: Array(atHead))
        }
        return ErasureProgress(scanned: scanned, matched: matches.count, deadLettered: deadLettered, next: scanned < limit ? nil : last)
    }

    /// True when a stored properties blob matches; a row that cannot be read never does.
    private static func properties(_ blob: UnsafeRawBufferPointer, match: PropertyValueMatch) -> Bool {
        if blob.first == UInt8(ascii: "{") { return match.matches(blob) }
        guard let text = try? StoredProperties.decode(blob) else { return false }
        return match.matches(text)
    }

    private func cursor(of destination: String) throws -> Int64 {
        self.cursor.reset()
        self.cursor.bind(1, self.tenant)
        self.cursor.bind(2, destination)
        defer { self.cursor.reset() }
        return try self.cursor.step() ? self.cursor.int64(0) : 0
    }

    private func exists(_ statement: SQLiteStatement, _ destination: String, _ sequence: Int64) throws -> Bool {
        statement.reset()
        statement.bind(1, self.tenant)
        statement.bind(2, destination)
        statement.bind(3, sequence)
        defer { statement.reset() }
        return try statement.step()
    }
}
