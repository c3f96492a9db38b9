import RouterCore

/// What an `InMemoryEventStore.Database` holds: the same records the SQL stores keep, in plain
/// collections.
struct InMemoryStoreState {
    /// One stored event.
    struct Event {
        var sequence: Int64
        var tenant: String
        var id: String
        var type: RetentionEventType
        var occurredAt: Timestamp
        var receivedAt: Timestamp
        /// The properties text as accepted; empty once erased.
        var properties: [UInt8]
        var destinations: [String]
        var erasedAt: Timestamp?
    }

    /// One tenant × destination: its head, retries, dead letters and delivery record.
    struct Partition {
        var state = PartitionState()
        /// Sequences waiting at the head (routed here and not taken off).
        var pending: Set<Int64> = []
        var retries: [Int64: DeliveryCommit.Retry] = [:]
        var deadLetters: [Int64: DeadLetterRecord] = [:]
        var attempts: [Int64: [AttemptRecord]] = [:]
        var lastFailure: AttemptFailure?
        /// Per-minute totals by the minute's start (milliseconds since 1970).
        var minutes: [Int64: AttemptRollup.Minute] = [:]
    }

    /// A tenant's event id.
    struct EventKey: Hashable {
        var tenant: String
        var id: String
    }

    var nextSequence: Int64 = 1
    var events: [Int64: Event] = [:]
    /// The stored sequences, ascending.
    var order: [Int64] = []
    var sequences: [EventKey: Int64] = [:]
    var partitions: [PartitionKey: Partition] = [:]
    /// The audit log, oldest first.
    var audit: [AuditEntry] = []
    var nextAuditSequence: Int64 = 1

    /// The event at `sequence` as a delivery reads it: marked unreadable when its properties are
    /// not one JSON object (damaged, or an erased tombstone).
    func stored(_ sequence: Int64, failures: Int = 0, firstFailure: Timestamp? = nil) -> StoredEvent? {
        guard let event = self.events[sequence] else { return nil }
        if let problem = StoredEvent.problem(withProperties: event.properties) {
            return StoredEvent.unreadable(
                sequence: sequence,
                id: event.id,
                tenant: event.tenant,
                type: event.type,
                occurredAt: event.occurredAt,
                receivedAt: event.receivedAt,
                problem: problem,
                failures: failures,
                firstFailure: firstFailure
            )
        }
        let decoded = RetentionEvent(
            id: event.id,
            type: event.type,
            tenant: event.tenant,
            occurredAt: event.occurredAt,
            receivedAt: event.receivedAt,
            encodedProperties: event.properties
        )
        return StoredEvent(sequence: sequence, event: decoded, failures: failures, firstFailure: firstFailure)
    }

    /// True when the event exists and its payload was not erased.
    func isLive(_ sequence: Int64) -> Bool {
        self.events[sequence].map { $0.erasedAt == nil } ?? false
    }

    /// Where the event at `sequence` stands at `destination` (which it was routed to).
    func state(of sequence: Int64, at partition: PartitionKey) -> EventQuery.State {
        guard let record = self.partitions[partition] else { return .delivered }
        if record.deadLetters[sequence] != nil { return .dead }
        if record.retries[sequence] != nil { return .retrying }
        if record.pending.contains(sequence) { return .pending }
        return .delivered
    }

    /// Reads `sequences` (in order) into a batch, stopping before the properties exceed
    /// `maxBytes` (but keeping at least one).
    func batch(_ sequences: [Int64], maxBytes: Int, history: (Int64) -> (Int, Timestamp?)) -> [StoredEvent] {
        var batch: [StoredEvent] = []
        var bytes = 0
        for sequence in sequences {
            bytes += self.events[sequence]?.properties.count ?? 0
            if !batch.isEmpty, bytes > maxBytes { break }
            let (failures, firstFailure) = history(sequence)
            if let stored = self.stored(sequence, failures: failures, firstFailure: firstFailure) { batch.append(stored) }
        }
        return batch
    }

    /// The dead letters of `tenant` that `query` matches (ignoring `limit` and `after`), in
    /// (sequence, destination) order.
    func deadLetters(tenant: String, matching query: DeadLetterQuery) -> [DeadLetterRecord] {
        self.partitions
            .filter { $0.key.tenant == tenant && (query.destination == nil || $0.key.destination == query.destination) }
            .flatMap { $0.value.deadLetters.values }
            .filter { record in
                (query.since.map { record.failedAt >= $0 } ?? true) && (query.until.map { record.failedAt < $0 } ?? true)
                    && (query.reason.map { record.reason.code == $0 } ?? true)
            }
            .sorted { ($0.sequence, $0.partition.destination) < ($1.sequence, $1.partition.destination) }
    }

    /// Tombstones an event not yet erased and parks each delivery of it still waiting (at the
    /// head or as a retry) as a dead letter `erased`; returns those destinations.
    mutating func erase(_ sequence: Int64, now: Timestamp) -> [String] {
        guard var event = self.events[sequence], event.erasedAt == nil else { return [] }
        event.properties = []
        event.erasedAt = now
        self.events[sequence] = event
        var parked: [String] = []
        for destination in event.destinations {
            let key = PartitionKey(tenant: event.tenant, destination: destination)
            guard var record = self.partitions[key], record.deadLetters[sequence] == nil else { continue }
            let wasPending = record.pending.remove(sequence) != nil
            let wasRetrying = record.retries.removeValue(forKey: sequence) != nil
            guard wasPending || wasRetrying else { continue }
            record.deadLetters[sequence] = DeadLetterRecord(
                partition: key,
                sequence: sequence,
                eventID: event.id,
                attempts: record.attempts[sequence]?.count ?? 0,
                reason: .erased,
                failedAt: now
            )
            self.partitions[key] = record
            parked.append(destination)
        }
        return parked
    }
}
