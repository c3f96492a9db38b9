import HTTPTypes
import RouterCore

extension TenantDirectory {
    /// Checks that `name` is a tenant the operator routes may act on: a configured one, or a
    /// removed one whose events the store still holds (so its backlog stays inspectable and its
    /// data erasable); any other name throws 404 `unknown_tenant`.
    func requireKnown(_ name: String, store: any EventStore) async throws {
        guard Identifier.isValid(name) else {
            throw APIError(.notFound, code: "unknown_tenant", message: "no tenant named \"\(name)\"", field: "tenant")
        }
        if self.tenant(named: name) != nil { return }
        let stored = try await store.events(tenant: name, query: EventQuery(limit: 1, scanLimit: 1))
        guard stored.entries.isEmpty else { return }
        throw APIError(.notFound, code: "unknown_tenant", message: "no tenant named \"\(name)\" is configured or has events in the store", field: "tenant")
    }
}
