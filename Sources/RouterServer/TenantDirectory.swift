import RouterCore
import Synchronization

/// The tenants the server answers for, looked up by name on every request.
///
/// Kept as one array sorted by name and an index by name: the index's spare slots hold an
/// integer, not a whole configuration, which matters with tens of thousands of tenants.
public final class TenantDirectory: Sendable {
    private struct Table {
        var sorted: [TenantConfiguration] = []
        var byName: [String: Int] = [:]

        init(_ tenants: [TenantConfiguration]) {
            var latest: [String: TenantConfiguration] = [:]
            for tenant in tenants { latest[tenant.name] = tenant }
            self.sorted = latest.values.sorted { $0.name < $1.name }
            self.byName.reserveCapacity(self.sorted.count)
            for (index, tenant) in self.sorted.enumerated() { self.byName[tenant.name] = index }
        }
    }

    private let table: Mutex<Table>

    /// Creates a directory of `tenants`; of two with one name, the later counts.
    public init(_ tenants: [TenantConfiguration]) {
        self.table = Mutex(Table(tenants))
    }

    /// The tenant named `name`, if configured.
    public func tenant(named name: String) -> TenantConfiguration? {
        self.table.withLock { table in table.byName[name].map { table.sorted[$0] } }
    }

    /// Every tenant, sorted by name.
    public func all() -> [TenantConfiguration] {
        self.table.withLock { $0.sorted }
    }

    /// Replaces every tenant at once (a reload).
    public func replace(_ tenants: [TenantConfiguration]) {
        let table = Table(tenants)
        self.table.withLock { $0 = table }
    }
}
