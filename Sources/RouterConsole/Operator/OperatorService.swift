import Logging
import RouterCore

/// What an operator can read and change, shared by the JSON API (`/v1/...`) and the console, so
/// a script can do everything a person can, through the same store queries.
public struct OperatorService: Sendable {
    /// The event store.
    public let store: any EventStore
    /// The tenants as configured now.
    public let tenants: @Sendable () -> [TenantConfiguration]
    /// Wakes the workers of partitions whose queue changed (replay).
    public let wake: @Sendable (Set<PartitionKey>) -> Void
    /// Lifts a partition's backoff pause on this instance ("retry now").
    public let liftPause: @Sendable (PartitionKey) -> Void
    /// Validate and reload the configuration on disk; nil where there is none to reload.
    public let configuration: ConfigurationAccess?
    /// The live tails of tenants' events.
    public let tail: LiveTail
    /// Where erasures and failed audit writes are logged (ids and counts, never payloads).
    public let logger: Logger

    /// Creates the service.
    public init(
        store: any EventStore,
        tenants: @escaping @Sendable () -> [TenantConfiguration],
        wake: @escaping @Sendable (Set<PartitionKey>) -> Void,
        liftPause: @escaping @Sendable (PartitionKey) -> Void,
        arrivals: ArrivalBroadcast = ArrivalBroadcast(),
        configuration: ConfigurationAccess? = nil,
        logger: Logger = Logger(label: "retention-router.operator")
    ) {
        self.configuration = configuration
        self.tail = LiveTail(store: store, broadcast: arrivals)
        self.store = store
        self.tenants = tenants
        self.wake = wake
        self.liftPause = liftPause
        self.logger = logger
    }

    /// The configured tenant named `name`.
    public func tenant(named name: String) -> TenantConfiguration? {
        self.tenants().first { $0.name == name }
    }

    /// One row per tenant × destination, configured or still holding events in the store, worst first.
    public func overview(now: Timestamp) async throws -> [DestinationOverview] {
        let health = try await self.store.health(since: now.adding(.seconds(-3600)))
        return DestinationOverview.rows(tenants: self.tenants(), health: health, now: now)
    }

    /// A tenant's events, newest first, filtered.
    public func events(tenant: String, query: EventQuery) async throws -> EventPage {
        try await self.store.events(tenant: tenant, query: query)
    }

    /// An event's status as an operator may see it: the tenant's masked properties hidden,
    /// unless `reveal` (an admin's logged request) shows them.
    public func maskedStatus(tenant: String, id: String, reveal: Bool) async throws -> MaskedStatus? {
        guard let status = try await self.store.status(tenant: tenant, id: id) else { return nil }
        return MaskedStatus(status, mask: self.tenant(named: tenant)?.mask ?? .none, reveal: reveal)
    }

    /// True when the tenant hides some properties from operators.
    public func masks(tenant: String) -> Bool {
        self.tenant(named: tenant).map { !$0.mask.isEmpty } ?? false
    }

    /// One page of dead letters.
    public func deadLetters(tenant: String, query: DeadLetterQuery) async throws -> [DeadLetterRecord] {
        try await self.store.deadLetters(tenant: tenant, query: query)
    }

    /// How many dead letters match.
    public func countDeadLetters(tenant: String, query: DeadLetterQuery) async throws -> Int {
        try await self.store.countDeadLetters(tenant: tenant, query: query)
    }

    /// Sends dead letters again and wakes their workers.
    public func replay(tenant: String, selection: ReplaySelection) async throws -> ReplayResult {
        let result = try await self.store.replay(tenant: tenant, selection: selection, now: .now())
        self.wake(Set(result.replayed.keys))
        return result
    }

    /// Sends a synthetic test event to a destination through its real delivery code.
    public func testSend(tenant: TenantConfiguration, destination: ConfiguredDestination) async -> TestSendReport {
        TestSendReport(await TestSend.send(to: destination, tenant: tenant.name), destination: destination, tenant: tenant)
    }

    /// Makes every waiting retry of a destination due now and lifts its pause.
    public func retryNow(_ partition: PartitionKey) async throws -> Int {
        let count = try await self.store.retryNow(partition, now: .now())
        self.liftPause(partition)
        self.wake([partition])
        return count
    }

    /// Erases one event's payload (`EventStore.erasePayload`) and wakes the workers whose
    /// waiting delivery of it became a dead letter. The caller records it in the audit log.
    ///
    /// - Returns: what happened; nil when the tenant has no such event.
    public func erase(tenant: String, id: String) async throws -> ErasureResult? {
        guard let result = try await self.store.erasePayload(tenant: tenant, id: id, now: .now()) else { return nil }
        if !result.alreadyErased {
            self.logger.info(
                "Event payload erased",
                metadata: ["tenant.id": "\(tenant)", "event.id": "\(id)", "dead_lettered": "\(result.deadLettered.count)"]
            )
        }
        self.wake(result.deadLettered)
        return result
    }

    /// Erases the payload of every event of `tenant` whose top-level property `property` equals
    /// `value` (see `PropertyValueMatch`), a bounded step at a time, or with `dryRun` only counts
    /// them; wakes the workers whose waiting deliveries became dead letters. The caller records
    /// it in the audit log (with the property's name and the count, never the value).
    public func eraseMatching(tenant: String, property: String, value: String, dryRun: Bool) async throws -> BulkErasureResult {
        let match = PropertyValueMatch(property: property, value: value)
        let result = try await self.store.erasePayloads(tenant: tenant, matching: match, dryRun: dryRun, now: .now())
        if !dryRun {
            self.logger.info(
                "Event payloads erased by property value",
                metadata: ["tenant.id": "\(tenant)", "property": "\(property)", "event.count": "\(result.matched)"]
            )
        }
        self.wake(Set(result.deadLettered.keys))
        return result
    }

    /// Appends an entry to the audit log. Never throws: an action that was done stays done, so
    /// a failed write is logged at error level (with the entry, which holds no payloads).
    public func record(_ entry: AuditEntry) async {
        do {
            try await self.store.appendAudit(entry)
        } catch {
            self.logger.error(
                "Audit entry could not be written",
                metadata: [
                    "audit.action": "\(entry.action)", "audit.role": "\(entry.role)", "audit.address": "\(entry.address ?? "unknown")",
                    "tenant.id": "\(entry.tenant ?? "")", "event.id": "\(entry.eventID ?? "")", "audit.detail": "\(entry.detail ?? "")",
                    "error": "\(error)",
                ]
            )
        }
    }

    /// One page of the audit log, newest first.
    public func audit(query: AuditQuery) async throws -> AuditPage {
        try await self.store.audit(query: query)
    }
}
