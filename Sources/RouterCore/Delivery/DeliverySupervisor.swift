import Logging
import ServiceLifecycle
import Synchronization

/// Runs one `DeliveryWorker` per tenant × destination, as a `Service`.
///
/// On graceful shutdown every worker finishes the batch it is delivering, commits it and
/// returns; events not yet attempted stay in the store for the next start.
public final class DeliverySupervisor: Service {
    private let store: any EventStore
    private let logger: Logger
    private let workers: Mutex<[PartitionKey: DeliveryWorker]>

    /// Creates a supervisor for the given tenants.
    public init(store: any EventStore, tenants: [TenantConfiguration], logger: Logger) {
        self.store = store
        self.logger = logger
        var workers: [PartitionKey: DeliveryWorker] = [:]
        for tenant in tenants {
            for configured in tenant.destinations {
                let partition = PartitionKey(tenant: tenant.name, destination: configured.id)
                workers[partition] = DeliveryWorker(
                    partition: partition,
                    destination: configured.destination,
                    type: configured.type,
                    store: store,
                    logger: logger
                )
            }
        }
        self.workers = Mutex(workers)
    }

    /// Wakes the workers of `tenant` for the given destinations.
    public func notify(tenant: String, destinations: some Sequence<String>) {
        let woken = self.workers.withLock { workers in
            destinations.compactMap { workers[PartitionKey(tenant: tenant, destination: $0)] }
        }
        for worker in woken { worker.signal() }
    }

    public func run() async throws {
        let workers = self.workers.withLock { Array($0.values) }
        self.logger.notice("Delivery started", metadata: ["partition.count": "\(workers.count)"])
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for worker in workers {
                    group.addTask { await worker.run() }
                }
                await group.waitForAll()
            }
        } onGracefulShutdown: {
            for worker in workers { worker.stop() }
        }
        self.logger.notice("Delivery stopped")
    }
}
