/// What applying a new configuration changed: tenants added and removed, destinations added,
/// changed, removed and unchanged, and the backlog each removed destination keeps in the store.
/// The reload route answers it as JSON, the console shows it, and the log records it.
public struct ReloadSummary: Sendable, Equatable {
    /// Every tenant now configured, sorted.
    public var tenants: [String]
    /// Tenants that were not configured before.
    public var tenantsAdded: [String]
    /// Tenants that are no longer configured (their events stay in the store).
    public var tenantsRemoved: [String]
    /// What happened to each destination.
    public var changes: DeliverySupervisor.Changes
    /// Events still waiting for each removed destination, kept in the store.
    public var removedBacklog: [PartitionKey: Int]

    /// Creates a summary.
    public init(
        tenants: [String],
        tenantsAdded: [String],
        tenantsRemoved: [String],
        changes: DeliverySupervisor.Changes,
        removedBacklog: [PartitionKey: Int]
    ) {
        self.tenants = tenants
        self.tenantsAdded = tenantsAdded
        self.tenantsRemoved = tenantsRemoved
        self.changes = changes
        self.removedBacklog = removedBacklog
    }

    /// True when the new configuration is the one that was running.
    public var changedNothing: Bool {
        self.tenantsAdded.isEmpty && self.tenantsRemoved.isEmpty && self.changes.added.isEmpty && self.changes.changed.isEmpty
            && self.changes.removed.isEmpty
    }

    /// The answer of `POST /v1/admin/reload`.
    public var json: JSONValue {
        func list(_ keys: [PartitionKey]) -> JSONValue {
            .array(keys.sorted { $0.description < $1.description }.map { .string($0.description) })
        }
        return [
            "status": "reloaded",
            "tenants": .array(self.tenants.map { .string($0) }),
            "tenantsAdded": .array(self.tenantsAdded.map { .string($0) }),
            "tenantsRemoved": .array(self.tenantsRemoved.map { .string($0) }),
            "destinations": [
                "added": list(self.changes.added),
                "changed": list(self.changes.changed),
                "removed": list(self.changes.removed),
                "unchanged": list(self.changes.unchanged),
            ],
            "removedBacklog": .object(
                Dictionary(uniqueKeysWithValues: self.removedBacklog.map { ($0.key.description, JSONValue.number(JSONNumber(Int64($0.value)))) })
            ),
        ]
    }
}
