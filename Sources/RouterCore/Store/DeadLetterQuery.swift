/// Which dead letters to list: one page, newest first.
public struct DeadLetterQuery: Sendable, Equatable {
    /// Only this destination; nil for all.
    public var destination: String?
    /// Only those parked at or after this time.
    public var since: Timestamp?
    /// Only those parked before this time.
    public var until: Timestamp?
    /// Only those whose failure code is this (e.g. `http_400`).
    public var reason: String?
    /// Most records in the page (1...1000).
    public var limit: Int
    /// Continue after this record (the last of the previous page).
    public var after: DeadLetterCursor?

    public init(
        destination: String? = nil,
        since: Timestamp? = nil,
        until: Timestamp? = nil,
        reason: String? = nil,
        limit: Int = 100,
        after: DeadLetterCursor? = nil
    ) {
        self.destination = destination
        self.reason = reason
        self.since = since
        self.until = until
        self.limit = limit
        self.after = after
    }
}

extension DeadLetterQuery {
    /// The query as counted at `instant`: dead letters parked later are left out, so a count and
    /// the replay of "all N matching" that follows it cover the same set.
    public func counted(asOf instant: Timestamp) -> DeadLetterQuery {
        var query = self
        let end = instant.adding(.milliseconds(1))
        query.until = min(self.until ?? end, end)
        return query
    }
}

/// Where a page of dead letters ended: records are ordered by sequence (newest first), then
/// destination, so the pair is a stable position even when one event is dead at several
/// destinations. Written as `SEQUENCE:DESTINATION` in the API's `next`.
public struct DeadLetterCursor: Sendable, Equatable, CustomStringConvertible {
    public var sequence: Int64
    public var destination: String

    public init(sequence: Int64, destination: String) {
        self.sequence = sequence
        self.destination = destination
    }

    /// Parses `SEQUENCE:DESTINATION`; nil when malformed.
    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":"), let sequence = Int64(text[..<colon]) else { return nil }
        let destination = String(text[text.index(after: colon)...])
        guard Identifier.isValid(destination) else { return nil }
        self.init(sequence: sequence, destination: destination)
    }

    public var description: String { "\(self.sequence):\(self.destination)" }
}

/// Which dead letters to send again.
public enum ReplaySelection: Sendable, Equatable {
    /// These event ids (at every destination where they are dead, or only `destination`).
    case ids([String], destination: String?)
    /// Every dead letter of a destination parked at or after a time (nil: all of them).
    case destination(String, since: Timestamp?)
    /// Exactly the dead letters `DeadLetterQuery` matches (its `limit` and `after` are ignored),
    /// so "replay all N matching" replays the set that was counted when `until` is fixed.
    case matching(DeadLetterQuery)
}

/// What a replay did.
public struct ReplayResult: Sendable, Equatable {
    /// Dead letters moved back to delivery, per partition.
    public var replayed: [PartitionKey: Int]
    /// Requested ids that had no dead letter.
    public var notFound: [String]
    /// Ids of selected events whose payload was erased: their dead letters stay where they are,
    /// because nothing is delivered with less than was accepted.
    public var erased: [String]

    public init(replayed: [PartitionKey: Int], notFound: [String], erased: [String] = []) {
        self.replayed = replayed
        self.notFound = notFound
        self.erased = erased
    }

    /// The total replayed.
    public var count: Int { self.replayed.values.reduce(0, +) }

    /// Adds what a later step of the same replay did (a store replays a large selection in
    /// bounded steps): the counts are summed, and an erased id an earlier step named (`named`,
    /// which the caller keeps for the whole replay) is not named again.
    public mutating func add(_ step: ReplayResult, named: inout Set<String>) {
        self.replayed.merge(step.replayed, uniquingKeysWith: +)
        self.notFound += step.notFound
        for id in step.erased where named.insert(id).inserted { self.erased.append(id) }
    }
}

extension ReplaySelection {
    /// The most dead letters one step of a replay looks at: each step is its own short
    /// transaction, so ingest and delivery go on between the steps of a replay of millions.
    public static let step = 500
}

/// Counts for metrics, backpressure and reload reports.
public struct StoreStatistics: Sendable, Equatable {
    /// Per partition: events waiting (after the cursor, or scheduled for retry) and dead letters.
    public struct Partition: Sendable, Equatable {
        public var backlog: Int
        public var deadLetters: Int

        public init(backlog: Int, deadLetters: Int) {
            self.backlog = backlog
            self.deadLetters = deadLetters
        }
    }

    public var partitions: [PartitionKey: Partition]
    /// Bytes on disk (database and write-ahead log).
    public var bytes: Int64

    public init(partitions: [PartitionKey: Partition], bytes: Int64) {
        self.partitions = partitions
        self.bytes = bytes
    }

    /// The backlog of one tenant over all its partitions.
    public func backlog(tenant: String) -> Int {
        self.partitions.reduce(0) { $0 + ($1.key.tenant == tenant ? $1.value.backlog : 0) }
    }
}
