import RouterCore
import Synchronization

/// The tenants the server answers for, looked up by name on every request.
public final class TenantDirectory: Sendable {
    private let tenants: Mutex<[String: TenantConfiguration]>

    /// Creates a directory of `tenants`.
    public init(_ tenants: [TenantConfiguration]) {
        self.tenants = Mutex(Dictionary(tenants.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last }))
    }

    /// The tenant named `name`, if configured.
    public func tenant(named name: String) -> TenantConfiguration? {
        self.tenants.withLock { $0[name] }
    }

    /// Every tenant, sorted by name.
    public func all() -> [TenantConfiguration] {
        self.tenants.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }

    /// Replaces every tenant at once (a reload).
    public func replace(_ tenants: [TenantConfiguration]) {
        let map = Dictionary(tenants.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.tenants.withLock { $0 = map }
    }

}
