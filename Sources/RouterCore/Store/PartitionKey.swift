/// One delivery queue: a tenant's destination. Each has its own cursor and worker.
public struct PartitionKey: Sendable, Hashable, CustomStringConvertible {
    /// The tenant name.
    public var tenant: String
    /// The destination id within the tenant.
    public var destination: String

    /// Creates a key.
    public init(tenant: String, destination: String) {
        self.tenant = tenant
        self.destination = destination
    }

    public var description: String { "\(self.tenant)/\(self.destination)" }
}
