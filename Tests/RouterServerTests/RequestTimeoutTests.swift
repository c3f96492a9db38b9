import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Signing
import Testing

/// Clients that never finish a request cannot hold a connection: a body that stops or trickles
/// is answered 408 at `requestTimeoutSeconds` (2 s here), and a connection that sends nothing is
/// closed. The bounds leave room for a loaded machine (the client's clock starts when its
/// connect resumes, which may be late); without the limits, nothing closes at all.
@Suite(.timeLimit(.minutes(2)))
struct RequestTimeoutTests {
    static let configuration = ServerConfiguration(
        requestTimeoutSeconds: 2,
        allowPrivateAddresses: true,
        adminToken: .environment("ROUTER_ADMIN_TOKEN")
    )

    static func withServer(_ body: (TestServer) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(
            directory: directory,
            registry: ServerHarness.registry,
            configuration: Self.configuration,
            environment: OperationsEndToEndTests.environment
        )
        do {
            try await body(server)
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
    }

    static func head(_ method: String, _ path: String, length: Int, token: Bool = false) -> String {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(length)\r\n"
        if token { head += "Authorization: Bearer \(OperationsEndToEndTests.token)\r\n" }
        return head + "\r\n"
    }

    @Test(.timeLimit(.minutes(1)))
    func anIngestBodyThatStopsHalfwayIsAnswered408AndTheConnectionCloses() async throws {
        try await Self.withServer { server in
            let body = String(decoding: Fixtures.eventBody(type: .cancel, id: "half"), as: UTF8.self)
            let outcome = try await RawHTTPClient.exchange(
                port: server.port,
                [.send(Self.head("POST", "/v1/tenants/acme/events", length: body.utf8.count)), .send(String(body.prefix(40)))],
                listen: .seconds(15)
            )
            #expect(outcome.status == 408, "\(outcome.received)")
            #expect(outcome.received.lowercased().contains("connection: close"))
            #expect(try JSONParser.parse(Array(outcome.body.utf8))["error"]?["code"]?.stringValue == "request_timeout")
            let closed = try #require(outcome.closedAfter, "the server closes the connection")
            #expect(closed >= .seconds(1) && closed < .seconds(8), "\(closed)")
            // Nothing of it was stored.
            #expect(try await OperationsEndToEndTests.admin(.GET, server, "/v1/tenants/acme/events/half").status == 404)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anAdminBodyThatTricklesIsCutOffAtTheLimit() async throws {
        try await Self.withServer { server in
            // A byte every 200 ms keeps the connection from ever being idle for two seconds.
            let body = #"{"destination": "file", "all": true}"#
            var steps: [RawHTTPClient.Step] = [.send(Self.head("POST", "/v1/tenants/acme/dead-letters/replay", length: body.utf8.count, token: true))]
            for character in body { steps += [.send(String(character)), .pause(.milliseconds(200))] }
            let outcome = try await RawHTTPClient.exchange(port: server.port, steps, listen: .seconds(15))
            #expect(outcome.status == 408, "\(outcome.received)")
            let closed = try #require(outcome.closedAfter, "the server closes the connection")
            #expect(closed >= .seconds(1) && closed < .seconds(8), "\(closed)")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aConnectionThatSendsNothingIsClosed() async throws {
        try await Self.withServer { server in
            // A head that never ends.
            let stalled = try await RawHTTPClient.exchange(
                port: server.port,
                [.send("POST /v1/tenants/acme/events HTTP/1.1\r\nHost: 127.0.0.1\r\n")],
                listen: .seconds(15)
            )
            #expect(stalled.received.isEmpty)
            let closed = try #require(stalled.closedAfter, "the server closes a connection stalled in a request's head")
            #expect(closed >= .seconds(1) && closed < .seconds(8), "\(closed)")
            // A request answered in time, then nothing: kept open while idle, then closed.
            let idle = try await RawHTTPClient.exchange(port: server.port, [.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")], listen: .seconds(15))
            #expect(idle.status == 200, "\(idle.received)")
            let idleClosed = try #require(idle.closedAfter, "the server closes an idle connection")
            #expect(idleClosed >= .seconds(1) && idleClosed < .seconds(8), "\(idleClosed)")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aBodyThatArrivesInTimeIsAnsweredAsUsual() async throws {
        try await Self.withServer { server in
            // Slower than the idle check would notice, but whole well within the limit.
            let body = String(decoding: Fixtures.eventBody(type: .cancel, id: "slow"), as: UTF8.self)
            let key = try SigningKey(secret: "test-secret", scheme: .xHubSignature)
            let signature = Signer(scheme: .xHubSignature, keys: [key]).headers(body: Array(body.utf8), id: "slow", timestamp: Timestamp.now().secondsSince1970)
            let head = "POST /v1/tenants/acme/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + signature.map { "\($0.name): \($0.value)\r\n" }.joined() + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
            let outcome = try await RawHTTPClient.exchange(
                port: server.port,
                [.send(head), .pause(.milliseconds(200)), .send(String(body.prefix(100))), .pause(.milliseconds(200)), .send(String(body.dropFirst(100)))],
                listen: .seconds(15)
            )
            #expect(outcome.status == 202, "\(outcome.received)")
        }
    }
}
