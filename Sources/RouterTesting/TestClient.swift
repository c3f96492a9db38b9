import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RouterCore
import Signing

/// The answer to a test request: status, headers and the body parsed as JSON when it is JSON.
public struct TestResponse: Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public let body: [UInt8]

    /// Creates a response as collected.
    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body as JSON, or nil.
    public var json: JSONValue? { try? JSONParser.parse(self.body) }

    /// `error.code` of a JSON error body.
    public var errorCode: String? { self.json?["error"]?["code"]?.stringValue }
    /// `error.field` of a JSON error body.
    public var errorField: String? { self.json?["error"]?["field"]?.stringValue }

    /// The first value of a header, case-insensitive.
    public func header(_ name: String) -> String? {
        self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// Sends requests to a test server with the shared HTTP client.
public enum TestClient {
    /// Sends a request and collects the whole response.
    public static func send(
        _ method: HTTPMethod,
        _ url: String,
        body: [UInt8]? = nil,
        headers: [(String, String)] = []
    ) async throws -> TestResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 64 << 20)
        return TestResponse(
            status: Int(response.status.code),
            headers: response.headers.map { ($0.name, $0.value) },
            body: Array(collected.readableBytesView)
        )
    }

    /// Posts `body` to a tenant's ingest route, signed with `secret` under `scheme`.
    public static func ingest(
        _ server: TestServer,
        tenant: String,
        body: [UInt8],
        secret: String = "test-secret",
        scheme: SignatureScheme = .xHubSignature
    ) async throws -> TestResponse {
        let key = try SigningKey(secret: secret, scheme: scheme)
        let signature = Signer(scheme: scheme, keys: [key]).headers(
            body: body,
            id: "msg_\(UUID().uuidString)",
            timestamp: Timestamp.now().secondsSince1970
        )
        let headers = [("content-type", "application/json")] + signature.map { ($0.name, $0.value) }
        return try await self.send(.POST, "\(server.baseURL)/v1/tenants/\(tenant)/events", body: body, headers: headers)
    }
}

/// Polls `condition` until it holds or `timeout` passes; for waiting on asynchronous delivery.
public func eventually(
    timeout: Duration = .seconds(10),
    _ condition: @Sendable () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
