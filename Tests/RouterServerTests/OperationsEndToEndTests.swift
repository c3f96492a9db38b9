import EventStoreSQLite
import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Testing

/// The operator's API through the real server: event status, dead letters, replay, admin auth.
@Suite(.timeLimit(.minutes(2)))
struct OperationsEndToEndTests {
    static let token = "admin-secret-token"
    static let configuration = ServerConfiguration(allowPrivateAddresses: true, adminToken: .environment("ROUTER_ADMIN_TOKEN"))
    static let environment = ["ROUTER_ADMIN_TOKEN": Self.token]

    static func admin(_ method: HTTPMethod, _ server: TestServer, _ path: String, body: JSONValue? = nil, token: String? = Self.token) async throws -> TestResponse {
        var headers: [(String, String)] = []
        if let token { headers.append(("authorization", "Bearer \(token)")) }
        return try await TestClient.send(method, server.baseURL + path, body: body.map(JSONWriter.serialize), headers: headers)
    }

    static func tenant(recorder: String, failures: Int, failure: String = "reject") -> String {
        Fixtures.tenantJSON(
            name: "acme",
            destinations: [
                ["id": "archive", "type": "file", "settings": ["path": "data/{tenant}/events.ndjson"]],
                ["id": "scripted", "type": "scripted", "settings": ["name": .string(recorder), "failures": .number(JSONNumber(Int64(failures))), "failure": .string(failure)]],
            ]
        )
    }

    @Test func eventStatusShowsEachDestinationWithItsAttempts() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = "status-\(UUID().uuidString)"
        try directory.write(Self.tenant(recorder: recorder, failures: 1), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: Self.configuration, environment: Self.environment)
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "evt-1")).status == 202)
        #expect(try await eventually {
            let status = try await Self.admin(.GET, server, "/v1/tenants/acme/events/evt-1")
            return status.json?["destinations"]?.arrayValue?.count == 2
                && status.json?["destinations"]?.arrayValue?.allSatisfy { $0["state"] != "pending" } == true
        })
        let status = try await Self.admin(.GET, server, "/v1/tenants/acme/events/evt-1")
        #expect(status.status == 200)
        #expect(status.json?["event"]?["id"] == "evt-1")
        #expect(status.json?["event"]?["properties"] == .object(Fixtures.sampleProperties))
        let destinations = try #require(status.json?["destinations"]?.arrayValue)
        #expect(destinations[0]["id"] == "archive")
        #expect(destinations[0]["state"] == "delivered")
        #expect(destinations[0]["attempts"]?.arrayValue?.first?["outcome"] == "delivered")
        #expect(destinations[1]["id"] == "scripted")
        #expect(destinations[1]["state"] == "dead")
        #expect(destinations[1]["deadReason"]?["code"] == "scripted_failure")
        #expect(destinations[1]["attempts"]?.arrayValue?.first?["status"] == 503)
        let missing = try await Self.admin(.GET, server, "/v1/tenants/acme/events/nope")
        #expect(missing.status == 404)
        #expect(missing.errorCode == "unknown_event")
        try await server.stop()
    }

    @Test func deadLettersAreListedWithReasonsAndReplayKeepsTheirIDs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let name = "replay-\(UUID().uuidString)"
        // Every call fails until the test says otherwise, however the events are batched.
        try directory.write(Self.tenant(recorder: name, failures: 1_000_000), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: Self.configuration, environment: Self.environment)
        for id in ["d1", "d2", "d3"] {
            #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .save, id: id)).status == 202)
        }
        #expect(try await eventually {
            try await Self.admin(.GET, server, "/v1/tenants/acme/dead-letters").json?["deadLetters"]?.arrayValue?.count == 3
        })
        let page = try await Self.admin(.GET, server, "/v1/tenants/acme/dead-letters?destination=scripted&limit=2")
        let records = try #require(page.json?["deadLetters"]?.arrayValue)
        #expect(records.map { $0["id"] } == ["d3", "d2"])
        #expect(records.first?["reason"]?["code"] == "scripted_failure")
        #expect(records.first?["reason"]?["status"] == 503)
        let next = try #require(page.json?["next"]?.stringValue)
        let rest = try await Self.admin(.GET, server, "/v1/tenants/acme/dead-letters?destination=scripted&limit=2&cursor=\(next)")
        #expect(rest.json?["deadLetters"]?.arrayValue?.map { $0["id"] } == ["d1"])
        #expect(try await Self.admin(.GET, server, "/v1/tenants/acme/dead-letters?destination=archive").json?["deadLetters"] == [])
        let badFilter = try await Self.admin(.GET, server, "/v1/tenants/acme/dead-letters?since=yesterday")
        #expect(badFilter.status == 422)
        #expect(badFilter.errorField == "since")

        let recorder = ScriptedDestination.recorder(named: name)
        recorder.fail(next: 0)
        let one = try await Self.admin(.POST, server, "/v1/tenants/acme/dead-letters/replay", body: ["id": "d2"])
        #expect(one.status == 200)
        #expect(one.json?["replayed"] == 1)
        #expect(try await eventually { recorder.deliveredIDs == ["d2"] })
        // The destination has it before the commit lands: wait for the delivery record.
        #expect(try await eventually {
            try await Self.admin(.GET, server, "/v1/tenants/acme/events/d2").json?["destinations"]?.arrayValue?.last?["state"] == "delivered"
        })
        let all = try await Self.admin(.POST, server, "/v1/tenants/acme/dead-letters/replay", body: ["destination": "scripted", "all": true])
        #expect(all.json?["replayed"] == 2)
        #expect(try await eventually { Set(recorder.deliveredIDs) == ["d1", "d2", "d3"] })
        #expect(try await Self.admin(.GET, server, "/v1/tenants/acme/dead-letters").json?["deadLetters"] == [])
        let unknown = try await Self.admin(.POST, server, "/v1/tenants/acme/dead-letters/replay", body: ["ids": ["d1", "never"]])
        #expect(unknown.json?["notFound"] == ["d1", "never"])
        let vague = try await Self.admin(.POST, server, "/v1/tenants/acme/dead-letters/replay", body: ["destination": "scripted"])
        #expect(vague.status == 422)
        try await server.stop()
    }

    @Test func theCommandLineListsAndReplaysDeadLetters() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let name = "cli-\(UUID().uuidString)"
        try directory.write(Self.tenant(recorder: name, failures: 1), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: Self.configuration, environment: Self.environment)
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .save, id: "cli-1")).status == 202)
        #expect(try await eventually {
            try await Self.admin(.GET, server, "/v1/tenants/acme/dead-letters").json?["deadLetters"]?.arrayValue?.count == 1
        })
        let environment = ["ROUTER_ADMIN_TOKEN": Self.token]
        let list = try await CommandLineTests.run(["dead-letters", "list", "--url", server.baseURL, "--tenant", "acme"], in: directory.path, environment: environment)
        #expect(list.status == 0, "\(list.output)")
        #expect(list.output.contains("scripted\tcli-1\tscripted_failure"))
        let replay = try await CommandLineTests.run(
            ["dead-letters", "replay", "--url", server.baseURL, "--tenant", "acme", "--id", "cli-1"],
            in: directory.path,
            environment: environment
        )
        #expect(replay.output.contains("replayed 1"), "\(replay.output)")
        #expect(try await eventually { ScriptedDestination.recorder(named: name).deliveredIDs == ["cli-1"] })
        let denied = try await CommandLineTests.run(["dead-letters", "list", "--url", server.baseURL, "--tenant", "acme"], in: directory.path, environment: ["ROUTER_ADMIN_TOKEN": "wrong"])
        #expect(denied.status == 1)
        #expect(denied.output.contains("the token is neither the admin nor the viewer token"))
        try await server.stop()
    }

    @Test func adminRoutesNeedTheAdminToken() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: Self.configuration, environment: Self.environment)
        #expect(try await Self.admin(.GET, server, "/v1/tenants/acme/dead-letters", token: nil).errorCode == "missing_token")
        #expect(try await Self.admin(.GET, server, "/v1/tenants/acme/dead-letters", token: "wrong").errorCode == "wrong_token")
        #expect(try await Self.admin(.GET, server, "/v1/tenants/acme/dead-letters", token: "test-secret").status == 401)
        #expect(try await Self.admin(.POST, server, "/v1/admin/reload", token: nil).status == 401)
        #expect(try await Self.admin(.GET, server, "/v1/tenants/acme/dead-letters").status == 200)
        for open in ["/healthz", "/readyz", "/metrics"] {
            #expect(try await TestClient.send(.GET, server.baseURL + open).status == 200, "\(open)")
        }
        try await server.stop()

        let closed = try await TestServer(
            directory: directory,
            registry: ServerHarness.registry,
            configuration: Self.configuration,
            environment: [:]
        )
        let response = try await Self.admin(.GET, closed, "/v1/tenants/acme/dead-letters")
        #expect(response.status == 401)
        #expect(response.errorCode == "admin_disabled")
        // It says how to open the API, with either token.
        let message = response.json?["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("adminToken") && message.contains("viewerToken"))
        try await closed.stop()
    }
}
