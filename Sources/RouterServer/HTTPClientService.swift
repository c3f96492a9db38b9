import AsyncHTTPClient
import RouterCore
import ServiceLifecycle

/// Shuts the shared HTTP client, and the address guard's pinned clients, down after the
/// services that use them have stopped.
struct HTTPClientService: Service {
    let client: SharedHTTPClient
    let addressGuard: OutboundAddressGuard

    func run() async throws {
        try? await gracefulShutdown()
        await self.addressGuard.shutdown()
        try await self.client.shutdown()
    }
}
