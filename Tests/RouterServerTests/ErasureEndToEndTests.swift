import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Testing
import WebhookDestination

/// Erasure and the audit log through the real server: one event's payload, a user's events by
/// property value, what the status, list, replay and store file show afterwards, and the audit
/// log across a restart.
@Suite(.timeLimit(.minutes(2)))
struct ErasureEndToEndTests {
    typealias Operations = OperationsEndToEndTests

    static var registry: DestinationRegistry {
        var registry = ServerHarness.registry
        registry.register(WebhookDestinationFactory.self)
        return registry
    }

    /// A tenant with the file sink and a webhook receiver that is down (nothing listens on
    /// port 1), so events wait for it, retrying.
    static let tenant = Fixtures.tenantJSON(
        name: "acme",
        destinations: [
            ["id": "archive", "type": "file", "settings": ["path": "data/{tenant}/events.ndjson"]],
            [
                "id": "hook", "type": "webhook",
                "settings": ["url": "http://127.0.0.1:1/hook", "secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "timeout": 2],
            ],
        ]
    )

    /// An event whose small properties (stored as they are, not compressed) hold `email`.
    static func body(id: String, user: String, email: String) -> [UInt8] {
        JSONWriter.serialize([
            "event": "cancel",
            "messageId": .string(id),
            "properties": ["user_id": .string(user), "field.cancel.email": .string(email), "app_id": "app_1"],
        ])
    }

    static func raw(_ method: HTTPMethod, _ server: TestServer, _ path: String, body: String) async throws -> TestResponse {
        try await TestClient.send(method, server.baseURL + path, body: Array(body.utf8), headers: [("authorization", "Bearer \(Operations.token)")])
    }

    static func storeFilesContain(_ directory: TemporaryDirectory, _ text: String) throws -> Bool {
        try ["data/events.sqlite3", "data/events.sqlite3-wal"].contains { name in
            let path = directory.appending(name)
            guard FileManager.default.fileExists(atPath: path) else { return false }
            return try Data(contentsOf: URL(fileURLWithPath: path)).range(of: Data(text.utf8)) != nil
        }
    }

    @Test func erasingAnEventWaitingForADownReceiverParksItAsErasedAndItsPayloadIsGoneEverywhere() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(Self.tenant, to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: Self.registry, configuration: Operations.configuration, environment: Operations.environment)
        let email = "erase-me-\(UUID().uuidString.lowercased())@example.com"
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Self.body(id: "e1", user: "u_1", email: email)).status == 202)
        // Delivered to the file, failing at the webhook: waiting there, with an attempt made.
        #expect(try await eventually {
            let status = try await Operations.admin(.GET, server, "/v1/tenants/acme/events/e1").json
            let states = status?["destinations"]?.arrayValue ?? []
            return states.first { $0["id"] == "archive" }?["state"] == "delivered"
                && (states.first { $0["id"] == "hook" }?["attempts"]?.arrayValue?.count ?? 0) >= 1
        })
        let before = try await Operations.admin(.GET, server, "/v1/tenants/acme/events/e1")
        #expect(before.json?["event"]?["properties"]?["field.cancel.email"]?.stringValue == email)
        #expect(before.json?["destinations"]?.arrayValue?.first { $0["id"] == "hook" }?["state"] == "retrying")
        #expect(try Self.storeFilesContain(directory, email), "stored as it came, so the search below can fail")

        #expect(try await Operations.admin(.DELETE, server, "/v1/tenants/acme/events/e1/payload", token: nil).status == 401)
        let erased = try await Operations.admin(.DELETE, server, "/v1/tenants/acme/events/e1/payload")
        #expect(erased.status == 200)
        #expect(erased.json?["alreadyErased"] == false)
        #expect(erased.json?["deadLettered"] == ["hook"])
        let erasedAt = try #require(erased.json?["erasedAt"]?.stringValue)

        // The status shows it erased, not empty; the waiting delivery is a dead letter `erased`,
        // and its attempts stay.
        let status = try #require(try await Operations.admin(.GET, server, "/v1/tenants/acme/events/e1").json)
        #expect(status["event"]?["erasedAt"]?.stringValue == erasedAt)
        #expect(status["event"]?["properties"] == nil)
        let hook = try #require(status["destinations"]?.arrayValue?.first { $0["id"] == "hook" })
        #expect(hook["state"] == "dead")
        #expect(hook["deadReason"]?["code"] == "erased")
        #expect((hook["attempts"]?.arrayValue?.count ?? 0) >= 1)
        #expect(status["destinations"]?.arrayValue?.first { $0["id"] == "archive" }?["state"] == "delivered")
        let listed = try await Operations.admin(.GET, server, "/v1/tenants/acme/events")
        let entry = try #require(listed.json?["events"]?.arrayValue?.first)
        #expect(entry["erasedAt"]?.stringValue == erasedAt)
        #expect(entry["destinations"]?["hook"] == "dead")
        #expect(!(listed.body.contains(Array(email.utf8))))
        let dead = try await Operations.admin(.GET, server, "/v1/tenants/acme/dead-letters?reason=erased")
        #expect(dead.json?["deadLetters"]?.arrayValue?.map { $0["id"] } == ["e1"])

        // A replay is refused and says why; the dead letter stays.
        let replay = try await Operations.admin(.POST, server, "/v1/tenants/acme/dead-letters/replay", body: ["id": "e1"])
        #expect(replay.status == 200)
        #expect(replay.json?["replayed"] == 0)
        #expect(replay.json?["erased"] == ["e1"])
        #expect(try await Operations.admin(.GET, server, "/v1/tenants/acme/dead-letters?reason=erased").json?["deadLetters"]?.arrayValue?.count == 1)

        // Gone from the store's files (database and write-ahead log) once the erasure returned.
        #expect(try Self.storeFilesContain(directory, email) == false)

        let again = try await Operations.admin(.DELETE, server, "/v1/tenants/acme/events/e1/payload")
        #expect(again.json?["alreadyErased"] == true)
        #expect(again.json?["erasedAt"]?.stringValue == erasedAt)
        let unknown = try await Operations.admin(.DELETE, server, "/v1/tenants/acme/events/nope/payload")
        #expect(unknown.status == 404)
        #expect(unknown.errorCode == "unknown_event")
        #expect(unknown.errorField == "id")
        #expect(try await Operations.admin(.DELETE, server, "/v1/tenants/globex/events/e1/payload").errorCode == "unknown_tenant")
        try await server.stop()
    }

    @Test func aUsersEventsAreCountedThenErasedAndEveryActionIsAuditedAcrossARestart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(Self.tenant, to: "config/tenants/acme.json")
        var server = try await TestServer(directory: directory, registry: Self.registry, configuration: Operations.configuration, environment: Operations.environment)
        for (index, user) in ["u_1", "u_2", "u_1", "u_1", "u_2"].enumerated() {
            let body = Self.body(id: "b\(index)", user: user, email: "person\(index)@example.com")
            #expect(try await TestClient.ingest(server, tenant: "acme", body: body).status == 202)
        }
        let counted = try await Operations.admin(.POST, server, "/v1/tenants/acme/erasures", body: ["property": "user_id", "value": "u_1", "dryRun": true])
        #expect(counted.status == 200)
        #expect(counted.json?["matched"] == 3)
        #expect(counted.json?["scanned"] == 5)
        #expect(try await Operations.admin(.GET, server, "/v1/tenants/acme/events/b0").json?["event"]?["erasedAt"] == nil, "a dry run changes nothing")
        let erased = try await Operations.admin(.POST, server, "/v1/tenants/acme/erasures", body: ["property": "user_id", "value": "u_1", "dryRun": false])
        #expect(erased.status == 200)
        #expect(erased.json?["erased"] == 3)
        for id in ["b0", "b2", "b3"] {
            #expect(try await Operations.admin(.GET, server, "/v1/tenants/acme/events/\(id)").json?["event"]?["erasedAt"] != nil, "\(id)")
        }
        for id in ["b1", "b4"] {
            #expect(try await Operations.admin(.GET, server, "/v1/tenants/acme/events/\(id)").json?["event"]?["properties"]?["user_id"] == "u_2")
        }
        let none = try await Operations.admin(.POST, server, "/v1/tenants/acme/erasures", body: ["property": "user_id", "value": "u_1", "dryRun": true])
        #expect(none.json?["matched"] == 0)
        #expect(try await Operations.admin(.DELETE, server, "/v1/tenants/acme/events/b1/payload").status == 200)
        #expect(try await Operations.admin(.POST, server, "/v1/tenants/acme/dead-letters/replay", body: ["destination": "hook", "all": true]).status == 200)
        #expect(try await Operations.admin(.POST, server, "/v1/admin/reload").status == 200)

        let audit = try await Operations.admin(.GET, server, "/v1/audit")
        #expect(audit.status == 200)
        let entries = try #require(audit.json?["entries"]?.arrayValue)
        #expect(entries.map { $0["action"] } == ["reload", "replay", "erase", "erase_matching"], "newest first; dry runs change nothing and are not actions")
        #expect(entries.allSatisfy { $0["role"] == "admin" && $0["address"] == "127.0.0.1" })
        #expect(entries[1]["tenant"] == "acme")
        #expect(entries[1]["destination"] == "hook")
        #expect(entries[1]["detail"]?.stringValue?.hasPrefix("replayed 0; 4 erased, left dead") == true)
        #expect(entries[2]["eventId"] == "b1")
        #expect(entries[3]["detail"]?.stringValue?.contains("property user_id: 3 erased") == true)
        #expect(!audit.body.contains(Array("u_1".utf8)), "the value erased is not kept in the log")
        try await server.stop()

        server = try await TestServer(directory: directory, registry: Self.registry, configuration: Operations.configuration, environment: Operations.environment)
        let reopened = try await Operations.admin(.GET, server, "/v1/audit")
        #expect(reopened.json?["entries"] == audit.json?["entries"], "the log survives a restart")
        let erasures = try await Operations.admin(.GET, server, "/v1/audit?action=erase")
        #expect(erasures.json?["entries"]?.arrayValue?.map { $0["eventId"] } == ["b1"])
        let firstPage = try await Operations.admin(.GET, server, "/v1/audit?limit=3")
        let next = try #require(firstPage.json?["next"]?.stringValue)
        let secondPage = try await Operations.admin(.GET, server, "/v1/audit?limit=3&cursor=\(next)")
        #expect(secondPage.json?["entries"]?.arrayValue?.map { $0["action"] } == ["erase_matching"])
        #expect(try await Operations.admin(.GET, server, "/v1/audit", token: nil).status == 401)
        #expect(try await Operations.admin(.POST, server, "/v1/tenants/acme/erasures", body: ["property": "user_id", "value": "u_1", "dryRun": true], token: nil).status == 401)
        try await server.stop()
    }

    @Test func badErasureBodiesAndAuditFiltersAnswer422NamingTheField() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(Self.tenant, to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: Self.registry, configuration: Operations.configuration, environment: Operations.environment)
        let cases: [(body: String, field: String?)] = [
            (#"{"value": "u_1", "dryRun": true}"#, "property"),
            (#"{"property": 5, "value": "u_1", "dryRun": true}"#, "property"),
            (#"{"property": "", "value": "u_1", "dryRun": true}"#, "property"),
            (#"{"property": "user_id", "dryRun": true}"#, "value"),
            (#"{"property": "user_id", "value": true, "dryRun": true}"#, "value"),
            (#"{"property": "user_id", "value": "", "dryRun": true}"#, "value"),
            (#"{"property": "user_id", "value": "u_1"}"#, "dryRun"),
            (#"{"property": "user_id", "value": "u_1", "dryRun": "yes"}"#, "dryRun"),
            (#"{"property": "user_id", "value": "u_1", "dryRun": false, "force": true}"#, "force"),
            (#"["user_id"]"#, nil),
        ]
        for (body, field) in cases {
            let response = try await Self.raw(.POST, server, "/v1/tenants/acme/erasures", body: body)
            #expect(response.status == 422, "\(body)")
            #expect(response.errorField == field, "\(body)")
        }
        #expect(try await Self.raw(.POST, server, "/v1/tenants/acme/erasures", body: "{").status == 400)
        #expect(try await Self.raw(.POST, server, "/v1/tenants/nope/erasures", body: "{}").errorCode == "unknown_tenant")
        let number = try await Self.raw(.POST, server, "/v1/tenants/acme/erasures", body: #"{"property": "n", "value": 42, "dryRun": true}"#)
        #expect(number.status == 200)
        for (query, field) in [("action=bogus", "action"), ("limit=0", "limit"), ("cursor=x", "cursor"), ("tenant=a%20b", "tenant")] {
            let response = try await Operations.admin(.GET, server, "/v1/audit?\(query)")
            #expect(response.status == 422, "\(query)")
            #expect(response.errorField == field, "\(query)")
        }
        try await server.stop()
    }
}
