import Foundation
import Logging
import NIOPosix
import RouterCore

/// Re-reads the tenants folder and applies it live: the tenant directory used by ingest and the
/// delivery workers are swapped together. An invalid config is refused whole and the running
/// one stays.
actor ConfigReloader {
    /// What a reload did, answered as JSON and logged.
    typealias Summary = ReloadSummary

    private let loader: TenantLoader
    private let tenantsDirectory: String
    private let tenants: TenantDirectory
    private let supervisor: DeliverySupervisor
    private let store: any EventStore
    private let logger: Logger
    /// Called with each applied configuration (the server re-checks its connection pool size).
    private let onApply: @Sendable ([TenantConfiguration]) -> Void

    init(
        loader: TenantLoader,
        tenantsDirectory: String,
        tenants: TenantDirectory,
        supervisor: DeliverySupervisor,
        store: any EventStore,
        logger: Logger,
        onApply: @escaping @Sendable ([TenantConfiguration]) -> Void = { _ in }
    ) {
        self.onApply = onApply
        self.loader = loader
        self.tenantsDirectory = tenantsDirectory
        self.tenants = tenants
        self.supervisor = supervisor
        self.store = store
        self.logger = logger
    }

    /// The reload in progress; the next one waits for it, so an older read of the folder can
    /// never be applied after a newer one.
    private var running: Task<Result<Summary, ConfigErrors>, Never>?

    /// Loads the tenants folder and, when every file is valid, applies it. Reloads run one at
    /// a time, in the order they were asked for.
    func reload() async -> Result<Summary, ConfigErrors> {
        let previous = self.running
        let task = Task {
            _ = await previous?.value
            return await self.performReload()
        }
        self.running = task
        return await task.value
    }

    private func performReload() async -> Result<Summary, ConfigErrors> {
        let loader = self.loader
        let directory = self.tenantsDirectory
        let loaded: (tenants: [TenantConfiguration], errors: [ConfigError])
        do {
            loaded = try await NIOThreadPool.singleton.runIfActive { loader.loadDirectory(directory) }
        } catch {
            return .failure(ConfigErrors([ConfigError(code: .unreadableFile, file: directory, path: "", message: "\(error)")]))
        }
        guard loaded.errors.isEmpty else {
            for error in loaded.errors {
                self.logger.error("Reload refused", metadata: ["config.error": "\(error)"])
            }
            return .failure(ConfigErrors(loaded.errors))
        }
        return .success(await self.apply(loaded.tenants))
    }

    /// Validates tenant JSON for `name`, writes it atomically into the tenants folder, and reloads.
    func put(tenant name: String, json: Data) async -> Result<Summary, ConfigErrors> {
        let file = (self.tenantsDirectory as NSString).appendingPathComponent("\(name).json")
        guard Identifier.isValid(name) else {
            return .failure(ConfigErrors([ConfigError(code: .invalidValue, file: file, path: "name", message: "must be 1 to 64 letters, digits, '-' or '_'")]))
        }
        let candidate: TenantConfiguration
        switch self.loader.load(json, file: file, expectedName: name) {
        case .success(let tenant): candidate = tenant
        case .failure(let errors): return .failure(errors)
        }
        // What spans tenants is checked before the file is written, so a refused tenant never
        // lands in the folder (where it would fail the next reload or start).
        let loader = self.loader
        let directory = self.tenantsDirectory
        let others = try? await NIOThreadPool.singleton.runIfActive {
            loader.loadDirectory(directory).tenants.filter { $0.name != name }
        }
        let shared = TenantLoader.sharedFileErrors((others ?? []) + [candidate])
        if !shared.isEmpty { return .failure(ConfigErrors(shared)) }
        do {
            try await NIOThreadPool.singleton.runIfActive { try AtomicFile.write(json, to: file) }
        } catch {
            return .failure(ConfigErrors([ConfigError(code: .unreadableFile, file: file, path: "", message: "cannot write the file: \(error)")]))
        }
        return await self.reload()
    }

    /// Checks the tenants folder as it is on disk now, exactly as a reload (and
    /// `retention-router validate`) would, without applying anything.
    func validate() async -> [ConfigError] {
        let loader = self.loader
        let directory = self.tenantsDirectory
        do {
            return try await NIOThreadPool.singleton.runIfActive { loader.loadDirectory(directory).errors }
        } catch {
            return [ConfigError(code: .unreadableFile, file: directory, path: "", message: "\(error)")]
        }
    }

    /// The folder reloads read.
    nonisolated var folder: String { self.tenantsDirectory }

    private func apply(_ loaded: [TenantConfiguration]) async -> Summary {
        let before = Set(self.tenants.all().map(\.name))
        let after = Set(loaded.map(\.name))
        self.tenants.replace(loaded)
        self.onApply(loaded)
        let changes = self.supervisor.apply(loaded)
        var removedBacklog: [PartitionKey: Int] = [:]
        if !changes.removed.isEmpty, let statistics = try? await self.store.statistics() {
            for partition in changes.removed {
                removedBacklog[partition] = statistics.partitions[partition]?.backlog ?? 0
            }
        }
        let summary = Summary(
            tenants: after.sorted(),
            tenantsAdded: after.subtracting(before).sorted(),
            tenantsRemoved: before.subtracting(after).sorted(),
            changes: changes,
            removedBacklog: removedBacklog
        )
        self.logger.notice(
            "Configuration reloaded",
            metadata: [
                "tenant.count": "\(loaded.count)",
                "destinations.added": "\(changes.added.count)",
                "destinations.changed": "\(changes.changed.count)",
                "destinations.removed": "\(changes.removed.count)",
            ]
        )
        for (partition, backlog) in removedBacklog where backlog > 0 {
            self.logger.warning(
                "Removed destination still has a backlog; it is kept in the store",
                metadata: ["tenant.id": "\(partition.tenant)", "destination.id": "\(partition.destination)", "backlog": "\(backlog)"]
            )
        }
        return summary
    }
}
