import Logging
import ServiceLifecycle
import Synchronization

/// Runs one `DeliveryWorker` per tenant × destination, as a `Service`, and swaps workers when
/// the configuration is reloaded.
///
/// On graceful shutdown every worker finishes the batch it is delivering, commits it and
/// returns; events not yet attempted stay in the store for the next start.
public final class DeliverySupervisor: Service {
    /// What identifies a destination's configuration: a change of any part starts a new worker.
    struct Fingerprint: Equatable {
        let type: String
        let settings: JSONValue
        let events: Set<RetentionEventType>?
    }

    private struct Entry {
        let worker: DeliveryWorker
        let fingerprint: Fingerprint
    }

    /// What `apply` changed.
    public struct Changes: Sendable, Equatable {
        public var added: [PartitionKey] = []
        public var changed: [PartitionKey] = []
        public var removed: [PartitionKey] = []
        public var unchanged: [PartitionKey] = []
    }

    private let store: any EventStore
    private let metrics: RouterMetrics
    private let logger: Logger
    private let entries = Mutex<[PartitionKey: Entry]>([:])
    /// Workers stopped by a reload that may still be finishing a batch; a worker that later
    /// takes their partition again waits for them, so one partition never has two.
    private let retiring = Mutex<[PartitionKey: DeliveryWorker]>([:])
    private let starts: AsyncStream<DeliveryWorker>
    private let startContinuation: AsyncStream<DeliveryWorker>.Continuation

    /// Creates a supervisor for the given tenants.
    public init(store: any EventStore, tenants: [TenantConfiguration], metrics: RouterMetrics, logger: Logger) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
        (self.starts, self.startContinuation) = AsyncStream.makeStream()
        _ = self.apply(tenants)
    }

    /// Makes the running workers match `tenants`: new destinations start, changed ones restart
    /// with the new settings (after the old worker commits its batch), removed ones stop. The
    /// backlog of a removed destination stays in the store.
    @discardableResult
    public func apply(_ tenants: [TenantConfiguration]) -> Changes {
        var desired: [PartitionKey: (ConfiguredDestination, Fingerprint)] = [:]
        for tenant in tenants {
            for configured in tenant.destinations {
                let fingerprint = Fingerprint(type: configured.type, settings: configured.settings, events: configured.events)
                desired[PartitionKey(tenant: tenant.name, destination: configured.id)] = (configured, fingerprint)
            }
        }
        var changes = Changes()
        var toStart: [DeliveryWorker] = []
        var toStop: [DeliveryWorker] = []
        let retiring = self.retiring.withLock { $0 }
        var retired: [PartitionKey: DeliveryWorker] = [:]
        self.entries.withLock { entries in
            for (partition, entry) in entries where desired[partition] == nil {
                toStop.append(entry.worker)
                retired[partition] = entry.worker
                entries[partition] = nil
                changes.removed.append(partition)
            }
            for (partition, (configured, fingerprint)) in desired {
                let previous = entries[partition]
                if let previous, previous.fingerprint == fingerprint {
                    changes.unchanged.append(partition)
                    continue
                }
                if let previous {
                    toStop.append(previous.worker)
                    changes.changed.append(partition)
                } else {
                    changes.added.append(partition)
                }
                let worker = DeliveryWorker(
                    partition: partition,
                    destination: configured.destination,
                    type: configured.type,
                    store: self.store,
                    metrics: self.metrics,
                    logger: self.logger,
                    predecessor: previous?.worker ?? retiring[partition]
                )
                entries[partition] = Entry(worker: worker, fingerprint: fingerprint)
                toStart.append(worker)
            }
        }
        self.retiring.withLock { map in
            for started in toStart { map[started.partition] = nil }
            map.merge(retired) { _, newer in newer }
        }
        for worker in toStop { worker.stop() }
        for worker in toStart { self.startContinuation.yield(worker) }
        return changes
    }

    /// Wakes the workers of `tenant` for the given destinations.
    public func notify(tenant: String, destinations: some Sequence<String>) {
        let woken = self.entries.withLock { entries in
            destinations.compactMap { entries[PartitionKey(tenant: tenant, destination: $0)]?.worker }
        }
        for worker in woken { worker.signal() }
    }

    /// Wakes the workers of the given partitions (after a replay).
    public func notify(_ partitions: some Sequence<PartitionKey>) {
        let woken = self.entries.withLock { entries in partitions.compactMap { entries[$0]?.worker } }
        for worker in woken { worker.signal() }
    }

    /// The partitions that have a running worker.
    public var activePartitions: Set<PartitionKey> {
        self.entries.withLock { Set($0.keys) }
    }

    public func run() async throws {
        self.logger.notice("Delivery started", metadata: ["partition.count": "\(self.activePartitions.count)"])
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for await worker in self.starts {
                    group.addTask { await worker.run() }
                }
                await group.waitForAll()
            }
        } onGracefulShutdown: {
            self.startContinuation.finish()
            let workers = self.entries.withLock { $0.values.map(\.worker) }
            for worker in workers { worker.stop() }
        }
        self.logger.notice("Delivery stopped")
    }
}
