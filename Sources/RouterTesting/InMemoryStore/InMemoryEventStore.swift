import RouterCore
import Synchronization

/// An `EventStore` in memory, for tests that need a store but not its durability: the delivery
/// supervisor, workers, operator services.
///
/// It keeps the same rules as the SQL stores (the `EventStoreConformance` suite runs against it
/// too): atomic appends that store an id once per tenant, heads in sequence order, commits that
/// apply whole, dead letters, replay, erasure, pruning, per-minute totals and the audit log.
/// Like the PostgreSQL store, a partition's head is a set of pending sequences, and erasing an
/// event takes it off every head at once.
///
/// Nothing survives the process, but a `Database` outlives the stores opened on it: a second
/// store on the same database is a restart over the same data. With `ScriptedLeases` the store
/// plays one instance among several: the test decides which partitions it holds, and commits
/// for the others fail with `PartitionLeaseLost`. Without, it grants every lease, as a store one
/// process owns does.
public final class InMemoryEventStore: EventStore {
    /// The records, shared by every store opened on them.
    public final class Database: Sendable {
        let state = Mutex(InMemoryStoreState())

        /// Creates an empty database.
        public init() {}

        /// Overwrites one event's stored properties behind the store's back (a row damaged on
        /// purpose); false when the tenant has no such id.
        @discardableResult
        public func overwriteProperties(tenant: String, id: String, with bytes: [UInt8]) -> Bool {
            self.state.withLock { state in
                guard let sequence = state.sequences[.init(tenant: tenant, id: id)] else { return false }
                state.events[sequence]?.properties = bytes
                return true
            }
        }

        /// Each partition's backlog and dead letters, counted from the records.
        public func recount() -> [PartitionKey: StoreStatistics.Partition] {
            self.state.withLock { state in
                state.partitions.mapValues { .init(backlog: $0.pending.count + $0.retries.count, deadLetters: $0.deadLetters.count) }
            }
        }
    }

    /// The records this store reads and writes.
    public let database: Database
    /// The scripted leases, when the store plays one instance among several.
    public let leases: ScriptedLeases?
    public let coordination: StoreCoordination
    /// Awaited before each prune step, so a test can hold a pass in the middle (a long prune).
    let beforePruneStep: (@Sendable () async -> Void)?

    /// Opens a store on `database` (a new, empty one by default).
    ///
    /// - Parameters:
    ///   - leases: which partitions this instance may deliver; nil grants them all.
    ///   - pollInterval: how often idle workers look for events (as on a shared store); nil
    ///     when every event arrives through this process and wakes its workers.
    ///   - beforePruneStep: awaited before each step of `prune`, to hold a pass in a test.
    public init(
        database: Database = Database(),
        leases: ScriptedLeases? = nil,
        pollInterval: Duration? = nil,
        beforePruneStep: (@Sendable () async -> Void)? = nil
    ) {
        self.database = database
        self.leases = leases
        self.beforePruneStep = beforePruneStep
        self.coordination = StoreCoordination(
            leaseDuration: leases?.leaseDuration ?? StoreCoordination.exclusive.leaseDuration,
            pollInterval: pollInterval
        )
    }

    public func append(_ events: [RetentionEvent], routes: [[String]]) async throws -> [Bool] {
        precondition(events.count == routes.count, "one route list per event")
        return self.database.state.withLock { state in
            zip(events, routes).map { event, destinations in
                let key = InMemoryStoreState.EventKey(tenant: event.tenant, id: event.id)
                guard state.sequences[key] == nil else { return false }
                let sequence = state.nextSequence
                state.nextSequence += 1
                state.sequences[key] = sequence
                state.order.append(sequence)
                state.events[sequence] = InMemoryStoreState.Event(
                    sequence: sequence,
                    tenant: event.tenant,
                    id: event.id,
                    type: event.type,
                    occurredAt: event.occurredAt,
                    receivedAt: event.receivedAt,
                    properties: event.propertiesJSON,
                    destinations: destinations,
                    erasedAt: nil
                )
                for destination in destinations {
                    state.partitions[PartitionKey(tenant: event.tenant, destination: destination), default: .init()].pending.insert(sequence)
                }
                return true
            }
        }
    }

    public func state(of partition: PartitionKey) async throws -> PartitionState {
        self.database.state.withLock { $0.partitions[partition]?.state ?? PartitionState() }
    }

    public func head(of partition: PartitionKey, limit: Int, maxBytes: Int) async throws -> [StoredEvent] {
        self.database.state.withLock { state in
            let waiting = (state.partitions[partition]?.pending ?? []).filter { state.isLive($0) }.sorted().prefix(max(0, limit))
            return state.batch(Array(waiting), maxBytes: maxBytes) { _ in (0, nil) }
        }
    }

    public func dueRetries(in partition: PartitionKey, now: Timestamp, limit: Int, maxBytes: Int) async throws -> [StoredEvent] {
        self.database.state.withLock { state in
            let retries = state.partitions[partition]?.retries ?? [:]
            let due = retries.values.filter { $0.nextAttempt <= now && state.isLive($0.sequence) }.map(\.sequence).sorted().prefix(max(0, limit))
            return state.batch(Array(due), maxBytes: maxBytes) { sequence in
                (retries[sequence]?.failures ?? 0, retries[sequence]?.firstFailure)
            }
        }
    }

    public func nextRetry(in partition: PartitionKey) async throws -> Timestamp? {
        self.database.state.withLock { $0.partitions[partition]?.retries.values.map(\.nextAttempt).min() }
    }

    public func commit(_ commit: DeliveryCommit) async throws {
        let partition = commit.partition
        if let leases = self.leases, !leases.holds(partition) { throw PartitionLeaseLost(partition: partition) }
        let rollup = AttemptRollup(commit.attempts)
        self.database.state.withLock { state in
            var record = state.partitions[partition] ?? .init()
            record.state = commit.state
            if let failure = rollup.lastFailure { record.lastFailure = failure }
            for sequence in commit.taken { record.pending.remove(sequence) }
            for sequence in commit.finishedRetries { record.retries[sequence] = nil }
            // A worker that read an event before its payload was erased must not bring it back.
            for retry in commit.retries where state.isLive(retry.sequence) { record.retries[retry.sequence] = retry }
            for dead in commit.deadLetters where state.isLive(dead.sequence) {
                record.deadLetters[dead.sequence] = DeadLetterRecord(
                    partition: partition,
                    sequence: dead.sequence,
                    eventID: dead.eventID,
                    attempts: dead.attempts,
                    reason: dead.reason,
                    failedAt: dead.failedAt
                )
            }
            for attempt in commit.attempts {
                let known = record.attempts[attempt.sequence, default: []]
                if !known.contains(where: { $0.at == attempt.at && $0.attempt == attempt.attempt }) {
                    record.attempts[attempt.sequence, default: []].append(attempt)
                }
            }
            for minute in rollup.minutes {
                guard var total = record.minutes[minute.start] else {
                    record.minutes[minute.start] = minute
                    continue
                }
                total.delivered += minute.delivered
                total.failed += minute.failed
                for bucket in total.latency.indices { total.latency[bucket] += minute.latency[bucket] }
                record.minutes[minute.start] = total
            }
            state.partitions[partition] = record
        }
    }

    public func lease(_ partitions: Set<PartitionKey>) async throws -> LeaseGrant {
        self.leases?.answer(partitions) ?? LeaseGrant(held: partitions, share: .max)
    }

    public func releaseLeases(_ partitions: Set<PartitionKey>, leaving: Bool) async throws {
        self.leases?.release(partitions, leaving: leaving)
    }

    /// Every event arrives through this process's ingest, which wakes its workers directly.
    public func remoteArrivals() -> AsyncStream<String> {
        AsyncStream { $0.finish() }
    }
}
