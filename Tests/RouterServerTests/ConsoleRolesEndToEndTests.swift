import FileDestination
import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Signing
import Testing
import WebhookDestination

/// Console part two through the real server: the viewer role, masking and reveal, test sends,
/// the configuration view with Validate and Reload, and the reserved test-id prefix.
@Suite(.timeLimit(.minutes(2)))
struct ConsoleRolesEndToEndTests {
    static let adminToken = "admin-token-roles-e2e"
    static let viewerToken = "viewer-token-roles-e2e"
    static let webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let configuration = ServerConfiguration(
        allowPrivateAddresses: true,
        adminToken: .environment("ROUTER_ADMIN_TOKEN"),
        viewerToken: .environment("ROUTER_VIEWER_TOKEN")
    )
    static let environment = ["ROUTER_ADMIN_TOKEN": Self.adminToken, "ROUTER_VIEWER_TOKEN": Self.viewerToken]

    static var registry: DestinationRegistry {
        var registry = DestinationRegistry()
        registry.register(FileDestinationFactory.self)
        registry.register(WebhookDestinationFactory.self)
        return registry
    }

    struct Setup {
        let directory: TemporaryDirectory
        let webhook: FakeWebhookReceiver
        let server: TestServer

        func stop() async throws {
            try await self.server.stop()
            try await self.webhook.stop()
            self.directory.remove()
        }
    }

    static func tenant(webhook: String) -> String {
        Fixtures.tenantJSON(
            name: "acme",
            destinations: [
                ["id": "archive", "type": "file", "settings": ["path": "data/{tenant}/events.ndjson"]],
                [
                    "id": "crm", "type": "webhook",
                    "settings": ["url": .string(webhook + "/hook"), "secrets": [.string(Self.webhookSecret)], "headers": ["X-Api-Key": "inline-header-secret"]],
                ],
            ]
        ).replacingOccurrences(of: #""name":"acme""#, with: #""name":"acme","console":{"maskProperties":["field.cancel.email","field.cancel.account.*"]}"#)
    }

    static func start() async throws -> Setup {
        let key = try SigningKey(secret: Self.webhookSecret, scheme: .standardWebhooks)
        let webhook = try await FakeWebhookReceiver(verifier: SignatureVerifier(scheme: .standardWebhooks, keys: [key]))
        let directory = try TemporaryDirectory()
        try directory.write(Self.tenant(webhook: webhook.url), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: Self.registry, configuration: Self.configuration, environment: Self.environment)
        return Setup(directory: directory, webhook: webhook, server: server)
    }

    static func call(_ method: HTTPMethod, _ server: TestServer, _ path: String, token: String, body: JSONValue? = nil) async throws -> TestResponse {
        try await TestClient.send(method, server.baseURL + path, body: body.map(JSONWriter.serialize), headers: [("authorization", "Bearer \(token)")])
    }

    @Test(.timeLimit(.minutes(1)))
    func theViewerReadsWithMaskedValuesAndChangesNothing() async throws {
        let setup = try await Self.start()
        let server = setup.server
        // The receiver refuses the event and echoes the email it got.
        setup.webhook.script([.respond(400, body: "bad address jane@example.com for account 9f827f6")])
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "c1")).status == 202)
        #expect(try await eventually {
            try await Self.call(.GET, server, "/v1/tenants/acme/events/c1", token: Self.adminToken).json?["destinations"]?.arrayValue?
                .contains { $0["id"] == "crm" && $0["state"] == "dead" } == true
        })

        // Reads: the viewer's answers have the masked names as •••• and the echo redacted.
        let viewed = try await Self.call(.GET, server, "/v1/tenants/acme/events/c1", token: Self.viewerToken)
        #expect(viewed.status == 200)
        #expect(viewed.json?["masked"] == true)
        let properties = try #require(viewed.json?["event"]?["properties"])
        #expect(properties["field.cancel.email"] == "••••")
        #expect(properties["field.cancel.account.plan"] == "••••")
        #expect(properties["field.cancel.first_name"] == "Jane", "names outside the mask are shown")
        let text = String(decoding: viewed.body, as: UTF8.self)
        #expect(!text.contains("jane@example.com") || properties["field.standard.Owner Email"] == "jane@example.com")
        let crm = try #require(viewed.json?["destinations"]?.arrayValue?.first { $0["id"] == "crm" })
        let message = try #require(crm["deadReason"]?["message"]?.stringValue)
        #expect(message.contains("bad address ••••"), "\(message)")
        #expect(!message.contains("9f827f6"), "the internal id is an account field and is masked in the echo too")
        #expect(crm["why"]?.stringValue?.contains("jane@example.com") == false)
        // The admin sees the same unless it reveals.
        #expect(try await Self.call(.GET, server, "/v1/tenants/acme/events/c1", token: Self.adminToken).json?["event"]?["properties"]?["field.cancel.email"] == "••••")
        let revealed = try await Self.call(.GET, server, "/v1/tenants/acme/events/c1?reveal=true", token: Self.adminToken)
        #expect(revealed.json?["masked"] == false)
        #expect(revealed.json?["event"]?["properties"]?["field.cancel.email"] == "jane@example.com")
        let viewerReveal = try await Self.call(.GET, server, "/v1/tenants/acme/events/c1?reveal=true", token: Self.viewerToken)
        #expect(viewerReveal.status == 403)
        #expect(viewerReveal.errorCode == "viewer_read_only")
        // A dead letter's message, which may echo anything, is not listed on a masked tenant.
        let dead = try await Self.call(.GET, server, "/v1/tenants/acme/dead-letters", token: Self.viewerToken)
        #expect(dead.status == 200)
        #expect(String(decoding: dead.body, as: UTF8.self).contains("jane@example.com") == false)
        // A search by value would confirm masked values one guess at a time: not for a viewer.
        let search = try await Self.call(.GET, server, "/v1/tenants/acme/events?q=jane%40example.com", token: Self.viewerToken)
        #expect(search.status == 403)
        #expect(search.errorField == "q")
        #expect(try await Self.call(.GET, server, "/v1/tenants/acme/events?q=jane%40example.com", token: Self.adminToken).json?["events"]?.arrayValue?.count == 1)
        for path in ["/v1/tenants", "/v1/tenants/acme/events", "/v1/destinations/health", "/v1/tenants/acme/dead-letters/count", "/v1/admin/config"] {
            #expect(try await Self.call(.GET, server, path, token: Self.viewerToken).status == 200, "\(path)")
        }

        // Changes: 403 on every one, and nothing happened.
        let posts: [(HTTPMethod, String, JSONValue?)] = [
            (.POST, "/v1/tenants/acme/dead-letters/replay", ["id": "c1"]),
            (.POST, "/v1/tenants/acme/destinations/crm/retry-now", nil),
            (.POST, "/v1/tenants/acme/destinations/crm/test", nil),
            (.POST, "/v1/tenants/acme/destinations/crm/preview", ["event": "cancel"]),
            (.POST, "/v1/admin/reload", nil),
            (.POST, "/v1/admin/validate", nil),
            (.PUT, "/v1/admin/tenants/acme", ["name": "acme"]),
        ]
        for (method, path, body) in posts {
            let answer = try await Self.call(method, server, path, token: Self.viewerToken, body: body)
            #expect(answer.status == 403, "\(method) \(path)")
            #expect(answer.errorCode == "viewer_read_only")
        }
        #expect(setup.webhook.received.count == 1, "no replay and no test send reached the receiver")
        #expect(try await Self.call(.GET, server, "/v1/tenants", token: "wrong").status == 401)

        // The console: the viewer sees masked pages without buttons, and its POSTs are refused
        // even with the page's CSRF token.
        let viewer = try await ConsoleSessionClient(baseURL: server.baseURL, token: Self.viewerToken)
        let page = String(decoding: try await viewer.get("/console/tenants/acme/events/c1").body, as: UTF8.self)
        #expect(page.contains("••••"))
        #expect(!page.contains("jane@example.com") || page.contains("Owner Email"))
        #expect(!page.contains("/reveal\""), "no reveal button for a viewer")
        #expect(!page.contains("/replay\""), "no replay button for a viewer")
        #expect(page.contains("data-test=\"role\""))
        let consolePosts = [
            "/console/tenants/acme/events/c1/replay", "/console/tenants/acme/events/c1/reveal",
            "/console/tenants/acme/dead-letters/replay-selected", "/console/tenants/acme/dead-letters/replay-matching",
            "/console/tenants/acme/destinations/crm/retry-now", "/console/tenants/acme/destinations/crm/test-send",
            "/console/config/validate", "/console/config/reload",
        ]
        for path in consolePosts {
            #expect(try await viewer.post(path).status == 403, "\(path)")
        }
        #expect(try await viewer.post("/console/sign-out").status == 303, "a viewer can sign out")
        try await viewer.shutdown()

        // The admin's console reveals on request.
        let admin = try await ConsoleSessionClient(baseURL: server.baseURL, token: Self.adminToken)
        let masked = String(decoding: try await admin.get("/console/tenants/acme/events/c1").body, as: UTF8.self)
        #expect(masked.contains("data-test=\"reveal\""))
        let shown = try await admin.post("/console/tenants/acme/events/c1/reveal", csrfFrom: "/console/tenants/acme/events/c1")
        #expect(shown.status == 200)
        #expect(String(decoding: shown.body, as: UTF8.self).contains("jane@example.com"))
        try await admin.shutdown()
        try await setup.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func aTestSendShowsWhatTheDestinationAnswered() async throws {
        let setup = try await Self.start()
        let server = setup.server
        let file = try await Self.call(.POST, server, "/v1/tenants/acme/destinations/archive/test", token: Self.adminToken)
        #expect(file.status == 200)
        #expect(file.json?["outcome"] == "delivered")
        let id = try #require(file.json?["eventId"]?.stringValue)
        #expect(id.hasPrefix("rr-test-"))
        // The line is in the file, marked; nothing was stored.
        let lines = try String(contentsOfFile: setup.directory.appending("data/acme/events.ndjson"), encoding: .utf8)
        let line = try #require(lines.split(separator: "\n").last.map { try JSONParser.parse(Array($0.utf8)) })
        #expect(line["id"]?.stringValue == id)
        #expect(line["properties"]?["rr_test"] == true)
        #expect(try await Self.call(.GET, server, "/v1/tenants/acme/events/\(id)", token: Self.adminToken).status == 404, "a test send is not stored")

        setup.webhook.script([.respond(400, body: "{\"error\":\"unknown field rr_test\"}")])
        let refused = try await Self.call(.POST, server, "/v1/tenants/acme/destinations/crm/test", token: Self.adminToken)
        #expect(refused.json?["outcome"] == "failed")
        #expect(refused.json?["status"] == 400)
        #expect(refused.json?["response"]?.stringValue?.contains("unknown field rr_test") == true)
        #expect(refused.json?["hint"]?.stringValue?.contains("answered 400") == true)
        let received = try #require(setup.webhook.received.last)
        #expect(received.verificationError == nil, "signed like every real delivery")
        #expect(received.json?["data"]?["rr_test"] == true)
        #expect(received.webhookID?.hasPrefix("rr-test-") == true)

        // Through the console, the page shows both outcomes.
        let admin = try await ConsoleSessionClient(baseURL: server.baseURL, token: Self.adminToken)
        let ok = String(decoding: try await admin.post("/console/tenants/acme/destinations/archive/test-send").body, as: UTF8.self)
        #expect(ok.contains("data-outcome=\"delivered\""))
        setup.webhook.script([.respond(400, body: "nope")])
        let bad = String(decoding: try await admin.post("/console/tenants/acme/destinations/crm/test-send").body, as: UTF8.self)
        #expect(bad.contains("data-outcome=\"failed\""))
        #expect(bad.contains(">400<"))
        try await admin.shutdown()

        // A real event cannot pose as a test.
        let posing = try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "rr-test-fake"))
        #expect(posing.status == 422)
        #expect(posing.errorField == "messageId")
        try await setup.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func validateShowsEveryProblemAndReloadRefusesAWholeBrokenFolder() async throws {
        let setup = try await Self.start()
        let server = setup.server
        let config = try await Self.call(.GET, server, "/v1/admin/config", token: Self.viewerToken)
        let text = String(decoding: config.body, as: UTF8.self)
        #expect(!text.contains(Self.webhookSecret), "no secret is shown")
        #expect(!text.contains("inline-header-secret"), "header values are secrets too")
        #expect(text.contains("•••• (inline)"))
        #expect(try await Self.call(.POST, server, "/v1/admin/validate", token: Self.adminToken).json?["valid"] == true)

        // A second tenant whose destination has a typo'd type and a bad event name.
        try setup.directory.write(
            #"{"name": "beta", "ingest": {"scheme": "x-hub-signature", "secrets": ["s"]}, "destinations": [{"id": "d", "type": "fil", "events": ["cancle"], "settings": {}}]}"#,
            to: "config/tenants/beta.json"
        )
        let validation = try await Self.call(.POST, server, "/v1/admin/validate", token: Self.adminToken)
        #expect(validation.json?["valid"] == false)
        let paths = validation.json?["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []
        #expect(paths.contains("destinations[0].type"), "\(paths)")
        let admin = try await ConsoleSessionClient(baseURL: server.baseURL, token: Self.adminToken)
        let validated = try await admin.post("/console/config/validate", csrfFrom: "/console/config")
        #expect(validated.status == 422)
        #expect(String(decoding: validated.body, as: UTF8.self).contains("destinations[0].type"))
        let refused = try await admin.post("/console/config/reload", csrfFrom: "/console/config")
        #expect(refused.status == 422)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("Reload refused: nothing was applied"))
        // The running configuration stays: acme still takes events, beta does not exist.
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "after-refusal")).status == 202)
        #expect(try await TestClient.ingest(server, tenant: "beta", body: Fixtures.eventBody(type: .cancel, id: "b1"), secret: "s").status == 404)

        // Fixed, the reload applies it and says what changed.
        try setup.directory.write(ServerHarness.fileTenant("beta"), to: "config/tenants/beta.json")
        let reloaded = try await admin.post("/console/config/reload", csrfFrom: "/console/config")
        let page = String(decoding: reloaded.body, as: UTF8.self)
        #expect(reloaded.status == 200)
        #expect(page.contains("Tenant added: <strong>beta</strong>"))
        #expect(page.contains("Destination added: <strong>beta/archive</strong>"))
        #expect(try await TestClient.ingest(server, tenant: "beta", body: Fixtures.eventBody(type: .cancel, id: "b1")).status == 202)
        try await admin.shutdown()
        try await setup.stop()
    }
}
