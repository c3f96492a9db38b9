/// The durable queue behind the router: accepted events, the events waiting at each partition's
/// head, retries, dead letters and the delivery record.
///
/// Rules implementations keep:
/// - `append` returns only after the events are durable (fsync'd or committed with equivalent
///   durability). One call is atomic: all of its events are stored or none.
/// - An event id already stored for the tenant is not stored or routed again; `append` reports it
///   as a duplicate, also when another router instance sharing the store stored it.
/// - Each partition's head holds its events in sequence order until a commit takes them off
///   (`DeliveryCommit.taken`). Sequences increase in acceptance order within one writer; a store
///   shared by several writers may make an event visible after a later sequence, and it still
///   joins the head (nothing is skipped).
/// - `commit` applies a whole `DeliveryCommit` atomically, and only while this instance holds
///   the partition's lease (otherwise it throws `PartitionLeaseLost` and changes nothing).
public protocol EventStore: Sendable {
    /// Stores events for one tenant with, per event, the destination ids it is routed to.
    ///
    /// Answers within the store's own commit timeout: a store that cannot commit in time throws
    /// (`DeadlineExceeded`), and ingest answers 503.
    ///
    /// - Returns: per event, true when it was new, false when its id was already stored.
    func append(_ events: [RetentionEvent], routes: [[String]]) async throws -> [Bool]

    /// The persisted state of a partition (a fresh state for one never seen).
    func state(of partition: PartitionKey) async throws -> PartitionState

    /// Events waiting at the head of `partition` (routed to it and not yet taken off), oldest
    /// first. At most `limit` events, and no more stored property bytes than `maxBytes` (but
    /// always at least one event when any is waiting), so a batch is read and decoded only as far
    /// as the destination will take it.
    func head(of partition: PartitionKey, limit: Int, maxBytes: Int) async throws -> [StoredEvent]

    /// `head(of:limit:maxBytes:)`, saying whether the batch is everything that was waiting when
    /// it was read, so a worker that delivered it need not read the head again to find it empty
    /// (events stored later come with a signal). A store that cannot tell answers nil.
    func headBatch(of partition: PartitionKey, limit: Int, maxBytes: Int) async throws -> HeadBatch

    /// `headBatch` for each request, answered in order: the heads of many partitions in one trip
    /// to the store, for rounds that deliver many partitions together (`CombinedRounds`).
    func headBatches(_ requests: [HeadRequest]) async throws -> [HeadBatch]

    /// Of `partitions`, those that may have something to deliver, now or later: events at the
    /// head, scheduled retries, or a failing head's state (failures, backoff). A delivery worker
    /// for any other starts idle with a fresh `PartitionState` and no retries, without a look of
    /// its own, so thousands of quiet tenants cost one query at start instead of a few reads
    /// each. Nil when the store cannot tell (every worker then looks).
    func partitionsWithWork(among partitions: Set<PartitionKey>) async throws -> Set<PartitionKey>?

    /// Retries of `partition` that are due at `now`, oldest first.
    /// Bounded by `limit` and `maxBytes` as `head(of:limit:maxBytes:)` is.
    func dueRetries(in partition: PartitionKey, now: Timestamp, limit: Int, maxBytes: Int) async throws -> [StoredEvent]

    /// When the earliest scheduled retry of `partition` is due; nil when none is scheduled.
    func nextRetry(in partition: PartitionKey) async throws -> Timestamp?

    /// Applies the result of one delivery attempt.
    func commit(_ commit: DeliveryCommit) async throws

    /// Applies each of `commits` as `commit` does. A store that can applies them in one
    /// transaction (all or none); otherwise one after another, and after a failure some may have
    /// been applied (their partitions then deliver the others' events again: at least once).
    func commitAll(_ commits: [DeliveryCommit]) async throws

    /// Dead letters of a tenant, newest first, one page at a time.
    func deadLetters(tenant: String, query: DeadLetterQuery) async throws -> [DeadLetterRecord]

    /// Moves dead letters back into delivery (due now, keeping their event ids).
    func replay(tenant: String, selection: ReplaySelection, now: Timestamp) async throws -> ReplayResult

    /// An event and its state at each destination; nil when the tenant has no such id.
    func status(tenant: String, id: String) async throws -> EventStatus?

    /// A tenant's events, newest first, filtered as `query` says, examining at most
    /// `query.scanLimit` events per call (filters the database applies by index do not count).
    func events(tenant: String, query: EventQuery) async throws -> EventPage

    /// How many dead letters of a tenant match `query` (its `limit` and `after` are ignored).
    func countDeadLetters(tenant: String, query: DeadLetterQuery) async throws -> Int

    /// Every partition the store knows, with bounded counts, its last failure and its
    /// per-minute delivery totals since `since`.
    func health(since: Timestamp) async throws -> [PartitionHealth]

    /// Makes every waiting retry of `partition` due at `now` and lifts its pause, keeping order
    /// and ids ("retry now" after a receiver was fixed).
    ///
    /// - Returns: how many retries were made due.
    func retryNow(_ partition: PartitionKey, now: Timestamp) async throws -> Int

    /// Backlog and dead-letter counts per partition, and the store's size.
    ///
    /// Called on every `/metrics` scrape, every two seconds by the store monitor, and read by
    /// ingest admission: the counts are exact, and kept as the rows change (in the transactions
    /// that change them), so a call costs the same with ten million events pending as with ten.
    func statistics() async throws -> StoreStatistics

    /// Deletes events received before `cutoff` that no partition still needs (delivered or
    /// dead everywhere), with their delivery records. Looks at `limit` events after sequence
    /// `after` per call, so events still waiting never stop the scan, and ends the scan at the
    /// first event received at or after `cutoff` (events are stored about in the order they
    /// are received, so a scan never reads the younger ones; one stored out of clock order is
    /// pruned by a later scan).
    ///
    /// - Returns: how many were deleted, and where to continue (nil when the scan is done).
    func prune(receivedBefore cutoff: Timestamp, after: Int64, limit: Int) async throws -> PruneProgress

    /// Erases one event's payload: its properties are replaced by a tombstone (the stored text is
    /// gone, not kept beside it) and the time is recorded; the row (id, type, times) and its
    /// delivery record stay. In the same transaction, every delivery of it still waiting (at a
    /// partition's head or as a retry) becomes a dead letter `FailureReason.erased`, because
    /// nothing is delivered with less than was accepted. From then on:
    /// - `head` and `dueRetries` never return it, and a `commit` made by a worker that read it
    ///   before schedules no retry and parks no other dead letter for it;
    /// - `replay` leaves its dead letters where they are and names it in `ReplayResult.erased`;
    /// - `status` and `events` show it with `erasedAt`.
    ///
    /// When it returns, `purgeErasedRemnants` has run (or, when it could not finish, the store
    /// runs it again at its next maintenance pass).
    ///
    /// - Returns: what happened; nil when the tenant has no such id. Erasing an erased event
    ///   changes nothing and says `alreadyErased`.
    func erasePayload(tenant: String, id: String, now: Timestamp) async throws -> ErasureResult?

    /// One bounded step of erasing a tenant's events by a property value: looks at the tenant's
    /// next `limit` events after sequence `after`, and erases each one `match` takes as
    /// `erasePayload` does (in one transaction per step), or with `dryRun` only counts them.
    /// Each step holds the store's writer only for its own events, so ingest and delivery go on
    /// between steps. Does not run `purgeErasedRemnants`: the caller does once at the end.
    ///
    /// - Returns: what the step did, and where to continue (nil when the scan is done).
    func erasePayloads(
        tenant: String,
        matching match: PropertyValueMatch,
        after: Int64,
        limit: Int,
        dryRun: Bool,
        now: Timestamp
    ) async throws -> ErasureProgress

    /// Removes the copies of erased payloads that the store's files may still hold outside the
    /// live rows. SQLite (which overwrites freed space with zeros, `secure_delete`) checkpoints
    /// its write-ahead log into the database and truncates it, so the old bytes are in neither
    /// file. PostgreSQL keeps old row versions until vacuum, as it does for every update: this
    /// does nothing there.
    func purgeErasedRemnants() async throws

    /// Appends an entry to the audit log; returns once it is durable.
    func appendAudit(_ entry: AuditEntry) async throws

    /// One page of the audit log, newest first, filtered as `query` says.
    func audit(query: AuditQuery) async throws -> AuditPage

    /// Deletes at most `limit` audit entries older than `cutoff`, oldest first.
    ///
    /// - Returns: how many were deleted; fewer than `limit` when none older remain.
    func pruneAudit(before cutoff: Timestamp, limit: Int) async throws -> Int

    /// How router instances sharing this store divide the partitions.
    var coordination: StoreCoordination { get }

    /// Takes or renews, for `coordination.leaseDuration`, the right to deliver each of
    /// `partitions` that no other live instance holds, up to this instance's fair share.
    ///
    /// - Returns: the partitions this instance holds now and its fair share (a store only one
    ///   process uses grants them all).
    func lease(_ partitions: Set<PartitionKey>) async throws -> LeaseGrant

    /// Tenants that other instances sharing the store just stored events for, as they commit, so
    /// this instance wakes the workers it runs for them. A store only one process writes never
    /// yields. One consumer; the stream ends when the store closes.
    func remoteArrivals() -> AsyncStream<String>

    /// Gives up partitions this instance holds, so another instance takes them over at once
    /// (rebalancing, removed destinations); with `leaving`, the instance also stops counting
    /// among the live ones (graceful shutdown), so the others' fair shares grow at once.
    func releaseLeases(_ partitions: Set<PartitionKey>, leaving: Bool) async throws
}

/// Events at a partition's head, and whether they were all that waited.
public struct HeadBatch: Sendable {
    /// The events, oldest first.
    public var events: [StoredEvent]
    /// True when no event was left behind the batch at the read (neither limit cut it short);
    /// false when one may have been; nil when the store cannot tell.
    public var drained: Bool?

    /// Creates a batch.
    public init(events: [StoredEvent], drained: Bool?) {
        self.events = events
        self.drained = drained
    }
}

/// One partition's head to read, and the batch limits of its destination.
public struct HeadRequest: Sendable {
    public var partition: PartitionKey
    public var limit: Int
    public var maxBytes: Int

    /// Creates a request.
    public init(partition: PartitionKey, limit: Int, maxBytes: Int) {
        self.partition = partition
        self.limit = limit
        self.maxBytes = maxBytes
    }
}

/// What `EventStore.lease` granted.
public struct LeaseGrant: Sendable, Equatable {
    /// The partitions this instance holds now.
    public var held: Set<PartitionKey>
    /// How many partitions this instance should hold at most: the configured partitions divided
    /// among the live instances, rounded up. Holding more, it hands the excess over.
    public var share: Int
    /// When this instance has room for more, how long until the next lease another instance
    /// holds expires: asking again then takes a dead instance's partition over at once.
    public var nextExpiry: Duration?

    /// Creates a grant.
    public init(held: Set<PartitionKey>, share: Int, nextExpiry: Duration? = nil) {
        self.held = held
        self.share = share
        self.nextExpiry = nextExpiry
    }
}

/// How router instances sharing one store divide the work.
public struct StoreCoordination: Sendable, Equatable {
    /// How long a lease lasts unless renewed; an instance that dies loses its partitions after it.
    public var leaseDuration: Duration
    /// How often an idle worker looks for events another instance stored; nil when every event
    /// arrives through this process (its own ingest wakes the worker).
    public var pollInterval: Duration?
    /// How replays, prune passes and bulk erasures rest between their steps.
    public var maintenancePace: MaintenancePace

    /// Creates a coordination description.
    public init(leaseDuration: Duration, pollInterval: Duration?, maintenancePace: MaintenancePace = .unpaced) {
        self.leaseDuration = leaseDuration
        self.pollInterval = pollInterval
        self.maintenancePace = maintenancePace
    }

    /// One process owns the store and every partition in it.
    public static let exclusive = StoreCoordination(leaseDuration: .seconds(15), pollInterval: nil)
}

/// Thrown by `EventStore.commit` when another instance took the partition over: the batch just
/// delivered is delivered again by the new owner (at least once), and this worker must stop.
public struct PartitionLeaseLost: Error, CustomStringConvertible {
    /// The partition this instance no longer holds.
    public var partition: PartitionKey

    /// Creates the error.
    public init(partition: PartitionKey) { self.partition = partition }

    public var description: String {
        "the lease of \(self.partition.tenant)/\(self.partition.destination) is held by another instance"
    }
}

/// One step of pruning.
public struct PruneProgress: Sendable, Equatable {
    /// Events deleted in this step.
    public var pruned: Int
    /// The sequence to continue after; nil when no older events remain to look at.
    public var next: Int64?

    public init(pruned: Int, next: Int64?) {
        self.pruned = pruned
        self.next = next
    }
}

extension EventStore {
    /// Prunes everything prunable before `cutoff`, one step at a time.
    ///
    /// - Returns: how many events were deleted.
    public func prune(receivedBefore cutoff: Timestamp, step: Int = 1000) async throws -> Int {
        var total = 0
        var after: Int64 = 0
        let pace = self.coordination.maintenancePace
        while !Task.isCancelled {
            let started = ContinuousClock.now
            let progress = try await self.prune(receivedBefore: cutoff, after: after, limit: step)
            total += progress.pruned
            guard let next = progress.next else { break }
            after = next
            await pace.rest(afterStepStartedAt: started)
        }
        return total
    }

    /// Erases the payload of every event of `tenant` that `match` takes, one bounded step at a
    /// time (`step` events each), then runs `purgeErasedRemnants` once; with `dryRun`, only
    /// counts them.
    ///
    /// - Throws: `CancellationError` when cancelled between steps (the steps done stay done).
    public func erasePayloads(
        tenant: String,
        matching match: PropertyValueMatch,
        dryRun: Bool,
        now: Timestamp,
        step: Int = 1000
    ) async throws -> BulkErasureResult {
        var result = BulkErasureResult(dryRun: dryRun)
        var after: Int64 = 0
        let pace = self.coordination.maintenancePace
        while true {
            try Task.checkCancellation()
            let started = ContinuousClock.now
            let progress = try await self.erasePayloads(tenant: tenant, matching: match, after: after, limit: step, dryRun: dryRun, now: now)
            result.add(progress)
            guard let next = progress.next else { break }
            after = next
            await pace.rest(afterStepStartedAt: started)
        }
        if !dryRun, result.matched > 0 { try await self.purgeErasedRemnants() }
        return result
    }

    /// Deletes every audit entry older than `cutoff`, `step` entries at a time.
    ///
    /// - Returns: how many were deleted.
    public func pruneAudit(before cutoff: Timestamp, step: Int = 1000) async throws -> Int {
        var total = 0
        while !Task.isCancelled {
            let deleted = try await self.pruneAudit(before: cutoff, limit: step)
            total += deleted
            if deleted < step { break }
        }
        return total
    }

    /// Not known: every worker looks for itself.
    public func partitionsWithWork(among partitions: Set<PartitionKey>) async throws -> Set<PartitionKey>? {
        nil
    }

    /// The head as `head(of:limit:maxBytes:)` reads it, not knowing whether more waited.
    public func headBatch(of partition: PartitionKey, limit: Int, maxBytes: Int) async throws -> HeadBatch {
        HeadBatch(events: try await self.head(of: partition, limit: limit, maxBytes: maxBytes), drained: nil)
    }

    /// One head after another.
    public func headBatches(_ requests: [HeadRequest]) async throws -> [HeadBatch] {
        var batches: [HeadBatch] = []
        batches.reserveCapacity(requests.count)
        for request in requests {
            batches.append(try await self.headBatch(of: request.partition, limit: request.limit, maxBytes: request.maxBytes))
        }
        return batches
    }

    /// One commit after another.
    public func commitAll(_ commits: [DeliveryCommit]) async throws {
        for commit in commits {
            try await self.commit(commit)
        }
    }

    /// Events at the head, bounded by count only.
    public func head(of partition: PartitionKey, limit: Int) async throws -> [StoredEvent] {
        try await self.head(of: partition, limit: limit, maxBytes: .max)
    }

    /// Due retries, bounded by count only.
    public func dueRetries(in partition: PartitionKey, now: Timestamp, limit: Int) async throws -> [StoredEvent] {
        try await self.dueRetries(in: partition, now: now, limit: limit, maxBytes: .max)
    }

    /// The newest dead letters of a tenant, optionally of one destination.
    public func deadLetters(tenant: String, destination: String?, limit: Int) async throws -> [DeadLetterRecord] {
        try await self.deadLetters(tenant: tenant, query: DeadLetterQuery(destination: destination, limit: limit))
    }
}
