import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Testing

/// The JSON routes the console shares with scripts, through the real server: tenants, event
/// search, destination health, dead-letter counts and "replay all matching", and retry-now.
@Suite(.timeLimit(.minutes(2)))
struct ConsoleAPIEndToEndTests {
    typealias Operations = OperationsEndToEndTests

    static func tenant(_ name: String, recorder: String, failures: Int, failure: String, backoffSeconds: Int? = nil) -> String {
        var scripted: [String: JSONValue] = [
            "name": .string(recorder), "failures": .number(JSONNumber(Int64(failures))), "failure": .string(failure),
        ]
        if let backoffSeconds { scripted["backoffSeconds"] = .number(JSONNumber(Int64(backoffSeconds))) }
        return Fixtures.tenantJSON(
            name: name,
            destinations: [
                ["id": "archive", "type": "file", "settings": ["path": "data/{tenant}/events.ndjson"]],
                ["id": "scripted", "type": "scripted", "events": ["cancel", "save"], "settings": .object(scripted)],
            ]
        )
    }

    @Test func retryNowDeliversTheBacklogOfAFixedReceiverAtOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let name = "retry-now-\(UUID().uuidString)"
        // Fails until told otherwise, then waits 300 s between attempts.
        try directory.write(Self.tenant("acme", recorder: name, failures: 1_000_000, failure: "retry", backoffSeconds: 300), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: Operations.configuration, environment: Operations.environment)
        for id in ["r1", "r2", "r3"] {
            #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: id)).status == 202)
        }
        let recorder = ScriptedDestination.recorder(named: name)
        #expect(try await eventually { recorder.failedCalls >= 1 })
        let health = try await Operations.admin(.GET, server, "/v1/destinations/health")
        let row = try #require(health.json?["destinations"]?.arrayValue?.first { $0["destination"] == "scripted" })
        #expect(row["state"] == "paused" || row["state"] == "failing")
        #expect(row["lastFailure"]?["code"] == "scripted_failure")
        recorder.fail(next: 0)
        try await Task.sleep(for: .milliseconds(300))
        #expect(recorder.deliveredIDs.isEmpty, "still paused before retry-now")
        let answer = try await Operations.admin(.POST, server, "/v1/tenants/acme/destinations/scripted/retry-now")
        #expect(answer.status == 200)
        // Without retry-now the next attempt would be 300 s away.
        #expect(try await eventually(timeout: .seconds(5)) { recorder.deliveredIDs.count == 3 })
        #expect(recorder.deliveredIDs == ["r1", "r2", "r3"], "order and ids are kept")
        let unknown = try await Operations.admin(.POST, server, "/v1/tenants/acme/destinations/nope/retry-now")
        #expect(unknown.status == 404)
        #expect(unknown.errorCode == "unknown_destination")
        try await server.stop()
    }

    @Test func eventsAreListedAndSearchedWithTheirStateAndWhyNotRouted() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let name = "search-\(UUID().uuidString)"
        try directory.write(Self.tenant("acme", recorder: name, failures: 0, failure: "reject"), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: Operations.configuration, environment: Operations.environment)
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .pageLoaded, id: "p1")).status == 202)
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "c1")).status == 202)
        #expect(try await eventually {
            let page = try await Operations.admin(.GET, server, "/v1/tenants/acme/events?state=pending")
            return page.json?["events"]?.arrayValue?.isEmpty == true
        })
        let all = try await Operations.admin(.GET, server, "/v1/tenants/acme/events")
        #expect(all.status == 200)
        #expect(all.json?["events"]?.arrayValue?.map { $0["id"] } == ["c1", "p1"], "newest first")
        #expect(all.json?["events"]?.arrayValue?.first?["destinations"]?["scripted"] == "delivered")
        let notRouted = try await Operations.admin(.GET, server, "/v1/tenants/acme/events?destination=scripted&state=not_routed")
        #expect(notRouted.json?["events"]?.arrayValue?.map { $0["id"] } == ["p1"])
        let byType = try await Operations.admin(.GET, server, "/v1/tenants/acme/events?type=cancel")
        #expect(byType.json?["events"]?.arrayValue?.map { $0["id"] } == ["c1"])
        let limited = try await Operations.admin(.GET, server, "/v1/tenants/acme/events?limit=1")
        let next = try #require(limited.json?["next"]?.stringValue)
        let older = try await Operations.admin(.GET, server, "/v1/tenants/acme/events?limit=1&cursor=\(next)")
        #expect(older.json?["events"]?.arrayValue?.map { $0["id"] } == ["p1"])
        let bad = try await Operations.admin(.GET, server, "/v1/tenants/acme/events?state=lost")
        #expect(bad.status == 422)
        #expect(bad.json?["error"]?["field"] == "state")
        let status = try await Operations.admin(.GET, server, "/v1/tenants/acme/events/p1")
        let why = status.json?["notRouted"]?.arrayValue?.first
        #expect(why?["id"] == "scripted")
        #expect(why?["why"]?.stringValue?.contains("does not include page_loaded") == true)
        // An id with path and query characters is found by its percent-encoded form.
        let awkward = "a/b c?d#e%f"
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .save, id: awkward)).status == 202)
        let encoded = awkward.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? awkward
        let found = try await Operations.admin(.GET, server, "/v1/tenants/acme/events/\(encoded)")
        #expect(found.status == 200)
        #expect(found.json?["event"]?["id"]?.stringValue == awkward)
        let tenants = try await Operations.admin(.GET, server, "/v1/tenants")
        #expect(tenants.json?["tenants"]?.arrayValue?.map { $0["name"] } == ["acme"])
        #expect(try await Operations.admin(.GET, server, "/v1/tenants", token: nil).status == 401)
        try await server.stop()
    }

    @Test func replayAllMatchingTakesExactlyTheCountedSetOfOneTenant() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = "match-a-\(UUID().uuidString)"
        let second = "match-b-\(UUID().uuidString)"
        try directory.write(Self.tenant("acme", recorder: first, failures: 1_000_000, failure: "reject"), to: "config/tenants/acme.json")
        try directory.write(Self.tenant("globex", recorder: second, failures: 1_000_000, failure: "reject"), to: "config/tenants/globex.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: Operations.configuration, environment: Operations.environment)
        for tenant in ["acme", "globex"] {
            for id in ["m1", "m2", "m3"] {
                #expect(try await TestClient.ingest(server, tenant: tenant, body: Fixtures.eventBody(type: .save, id: id)).status == 202)
            }
        }
        for tenant in ["acme", "globex"] {
            #expect(try await eventually {
                try await Operations.admin(.GET, server, "/v1/tenants/\(tenant)/dead-letters/count?destination=scripted").json?["count"] == 3
            })
        }
        #expect(try await Operations.admin(.GET, server, "/v1/tenants/acme/dead-letters/count?reason=other").json?["count"] == 0)
        // A whole tenant is never replayed by an empty filter, nor by a filter split across the body.
        let empty = try await Operations.admin(.POST, server, "/v1/tenants/acme/dead-letters/replay", body: ["matching": [:]])
        #expect(empty.status == 422)
        #expect(empty.errorField == "matching")
        let split = try await Operations.admin(
            .POST, server, "/v1/tenants/acme/dead-letters/replay", body: ["destination": "scripted", "matching": ["reason": "scripted_failure"]]
        )
        #expect(split.status == 422)
        #expect(try await Operations.admin(.GET, server, "/v1/tenants/acme/dead-letters/count").json?["count"] == 3, "the refused calls replayed nothing")
        ScriptedDestination.recorder(named: first).fail(next: 0)
        let replay = try await Operations.admin(
            .POST, server, "/v1/tenants/acme/dead-letters/replay",
            body: ["matching": ["destination": "scripted", "reason": "scripted_failure"]]
        )
        #expect(replay.status == 200)
        #expect(replay.json?["replayed"] == 3)
        #expect(try await eventually { ScriptedDestination.recorder(named: first).deliveredIDs.count == 3 })
        #expect(try await Operations.admin(.GET, server, "/v1/tenants/acme/dead-letters/count").json?["count"] == 0)
        #expect(try await Operations.admin(.GET, server, "/v1/tenants/globex/dead-letters/count").json?["count"] == 3, "the other tenant's same ids stay")
        let unknown = try await Operations.admin(.GET, server, "/v1/tenants/nope/dead-letters")
        #expect(unknown.status == 404)
        #expect(unknown.errorCode == "unknown_tenant")
        try await server.stop()
    }

    @Test func unknownRoutesAndWrongMethodsAnswerJSON() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: Operations.configuration, environment: Operations.environment)
        let missing = try await TestClient.send(.GET, server.baseURL + "/v1/nothing-here")
        #expect(missing.status == 404)
        #expect(missing.errorCode == "not_found")
        let wrongMethod = try await TestClient.send(.GET, server.baseURL + "/v1/tenants/acme/dead-letters/replay")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.errorCode == "method_not_allowed")
        #expect(wrongMethod.header("allow") == "POST")
        let deleteIngest = try await TestClient.send(.DELETE, server.baseURL + "/v1/tenants/acme/events")
        #expect(deleteIngest.status == 405)
        try await server.stop()
    }

    @Test func withoutAnAdminTokenTheConsoleIsClosedAndSaysHowToOpenIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry)
        for path in ["/console/", "/console/sign-in", "/console/tenants/acme/events"] {
            let page = try await TestClient.send(.GET, server.baseURL + path)
            #expect(page.status == 403, "\(path)")
            #expect(String(decoding: page.body, as: UTF8.self).contains("The console is closed"))
            #expect(page.header("content-security-policy")?.contains("frame-ancestors 'none'") == true)
            #expect(page.header("x-content-type-options") == "nosniff")
        }
        let signIn = try await TestClient.send(.POST, server.baseURL + "/console/sign-in", body: Array("token=".utf8), headers: [("content-type", "application/x-www-form-urlencoded")])
        #expect(signIn.status == 403)
        #expect(signIn.header("set-cookie") == nil)
        try await server.stop()
    }
}
