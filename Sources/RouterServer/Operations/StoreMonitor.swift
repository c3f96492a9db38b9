import Logging
import RouterCore
import ServiceLifecycle
import Synchronization

/// Keeps fresh store statistics for backpressure and metrics, prunes old records, and flips
/// readiness off when shutdown begins.
final class StoreMonitor: Service {
    private let store: any EventStore
    private let metrics: RouterMetrics
    private let retention: Duration
    private let logger: Logger
    private let latest = Mutex<StoreStatistics?>(nil)
    /// The last refresh's backlog summed per tenant: ingest asks on every request, and summing
    /// over thousands of partitions each time would cost more than the request.
    private let backlogs = Mutex<[String: Int]>([:])
    private let ready = Mutex(true)

    init(store: any EventStore, metrics: RouterMetrics, retention: Duration, logger: Logger) {
        self.store = store
        self.metrics = metrics
        self.retention = retention
        self.logger = logger
    }

    /// The statistics of the last refresh (at most about two seconds old).
    var statistics: StoreStatistics? { self.latest.withLock { $0 } }

    /// A tenant's backlog over all its partitions at the last refresh (0 when it had none).
    func backlog(tenant: String) -> Int {
        self.backlogs.withLock { $0[tenant] ?? 0 }
    }

    /// False once graceful shutdown has begun.
    var isReady: Bool { self.ready.withLock { $0 } }

    /// Reads the store's counts now, publishes them as gauges, and keeps them.
    @discardableResult
    func refresh() async throws -> StoreStatistics {
        let statistics = try await self.store.statistics()
        var backlogs: [String: Int] = [:]
        for (partition, counts) in statistics.partitions where counts.backlog > 0 {
            backlogs[partition.tenant, default: 0] += counts.backlog
        }
        self.latest.withLock { $0 = statistics }
        self.backlogs.withLock { $0 = backlogs }
        self.metrics.record(statistics)
        return statistics
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                // Pruning runs beside the refresh: a pass over millions of old events (resting
                // between its steps on a shared store) must not freeze the backlog figures that
                // ingest admission reads.
                group.addTask { await self.pruneEveryMinute() }
                await self.refreshEveryTwoSeconds()
            }
        } onGracefulShutdown: {
            self.ready.withLock { $0 = false }
        }
    }

    private func refreshEveryTwoSeconds() async {
        while !Task.isCancelledOrShuttingDown {
            do {
                try await self.refresh()
            } catch {
                self.logger.error("Store statistics could not be read", metadata: ["error": "\(error)"])
            }
            // Shutdown cancels the wait, so stopping never waits out the interval.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(2)) }
        }
    }

    private func pruneEveryMinute() async {
        while !Task.isCancelledOrShuttingDown {
            do {
                // Shutdown cancels a pass between its steps; the next start carries on.
                try await cancelWhenGracefulShutdown { try await self.prune() }
            } catch is CancellationError {
                return
            } catch {
                self.logger.error("Store maintenance failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
        }
    }

    private func prune() async throws {
        let cutoff = Timestamp.now().adding(.zero - self.retention)
        let total = try await self.store.prune(receivedBefore: cutoff)
        if total > 0 {
            self.logger.info("Old events pruned", metadata: ["event.count": "\(total)"])
        }
        // The audit log is kept as long as the events it speaks of, a bounded step at a time.
        let entries = try await self.store.pruneAudit(before: cutoff)
        if entries > 0 {
            self.logger.info("Old audit entries pruned", metadata: ["audit.count": "\(entries)"])
        }
    }
}

extension Task where Success == Never, Failure == Never {
    /// True once the task is cancelled or the service group shuts down gracefully.
    static var isCancelledOrShuttingDown: Bool {
        Task.isCancelled || Task.isShuttingDownGracefully
    }
}
