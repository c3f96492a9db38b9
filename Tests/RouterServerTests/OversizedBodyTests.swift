import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Testing

/// Bodies over a route's limit are answered with the API's JSON error, never a bare status.
@Suite(.timeLimit(.minutes(2)))
struct OversizedBodyTests {
    /// Hummingbird answers a body over a route's limit with a bare 413 (no JSON, no content
    /// type); replay and tenant PUT now answer the API's error like ingest does.
    @Test(arguments: [(HTTPMethod.POST, "/v1/tenants/acme/dead-letters/replay"), (.PUT, "/v1/admin/tenants/acme")])
    func aBodyOverTheLimitIsAJSONError(_ method: HTTPMethod, _ path: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(
            directory: directory,
            registry: ServerHarness.registry,
            configuration: OperationsEndToEndTests.configuration,
            environment: OperationsEndToEndTests.environment
        )
        let body = [UInt8](repeating: UInt8(ascii: " "), count: (1 << 20) + 1)
        let response = try await TestClient.send(
            method,
            server.baseURL + path,
            body: body,
            headers: [("authorization", "Bearer \(OperationsEndToEndTests.token)"), ("content-type", "application/json")]
        )
        try await server.stop()
        #expect(response.status == 413)
        #expect(response.header("content-type") == "application/json")
        #expect(response.errorCode == "body_too_large")
    }
}
