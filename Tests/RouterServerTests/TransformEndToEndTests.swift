import FileDestination
import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import SegmentDestination
import Signing
import Testing
import WebhookDestination

/// Per-destination transforms through the real server: the Segment fake, a webhook receiver
/// that verifies signatures, and the file sink each get what their transform says.
@Suite(.timeLimit(.minutes(2)))
struct TransformEndToEndTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    static var registry: DestinationRegistry {
        var registry = DestinationRegistry()
        registry.register(FileDestinationFactory.self)
        registry.register(SegmentDestinationFactory.self)
        registry.register(WebhookDestinationFactory.self)
        return registry
    }

    /// The sample event with another type, id and plan.
    static func event(_ type: RetentionEventType, _ id: String, plan: String = "Premium") -> JSONValue {
        var properties = Fixtures.sampleProperties
        properties["field.cancel.account.plan"] = .string(plan)
        return [
            "event": .string(type.rawValue),
            "messageId": .string(id),
            "originalTimestamp": "2020-11-06T00:53:10.886Z",
            "properties": .object(properties),
        ]
    }

    static func tenant(segment: String, webhook: String, crmTransform: JSONValue) -> String {
        Fixtures.tenantJSON(
            name: "acme",
            destinations: [
                [
                    "id": "warehouse", "type": "segment",
                    "settings": ["writeKey": "test-write-key", "endpoint": .string(segment), "retry": ["initialDelayMs": 50, "maxDelayMs": 200]],
                    "transform": [
                        ["drop": ["field.cancel.email", "survey.*"]],
                        ["renameEvent": ["accept_offer": "Offer Accepted"]],
                        ["set": ["source": "retention"]],
                    ],
                ],
                [
                    "id": "crm", "type": "webhook", "events": ["cancel", "save"],
                    "settings": ["url": .string(webhook + "/crm"), "secrets": [.string(Self.secret)], "retrySchedule": [0.05]],
                    "transform": crmTransform,
                ],
                [
                    "id": "archive", "type": "file",
                    "settings": ["path": "data/{tenant}/events.ndjson"],
                    "transform": [["keep": ["field.cancel.account.*"]], ["renameEvent": ["cancel": "Cancelled"]]],
                ],
            ]
        )
    }

    static let crmTransform: JSONValue = [
        ["where": ["field": "properties.field.cancel.account.plan", "in": ["Premium", "business"]]],
        ["rename": ["user_id": "uid"]],
        ["renameEvent": ["cancel": "Subscription Cancelled"]],
    ]

    struct Setup {
        let directory: TemporaryDirectory
        let segment: FakeSegmentReceiver
        let webhook: FakeWebhookReceiver
        let server: TestServer

        func stop() async throws {
            try await self.server.stop()
            try await self.segment.stop()
            try await self.webhook.stop()
            self.directory.remove()
        }
    }

    static func start() async throws -> Setup {
        let segment = try await FakeSegmentReceiver()
        let key = try SigningKey(secret: Self.secret, scheme: .standardWebhooks)
        let webhook = try await FakeWebhookReceiver(verifier: SignatureVerifier(scheme: .standardWebhooks, keys: [key]))
        let directory = try TemporaryDirectory()
        try directory.write(Self.tenant(segment: segment.url, webhook: webhook.url, crmTransform: Self.crmTransform), to: "config/tenants/acme.json")
        let server = try await TestServer(
            directory: directory,
            registry: Self.registry,
            configuration: OperationsEndToEndTests.configuration,
            environment: OperationsEndToEndTests.environment
        )
        return Setup(directory: directory, segment: segment, webhook: webhook, server: server)
    }

    @Test func eachDestinationGetsWhatItsTransformSays() async throws {
        let setup = try await Self.start()
        let body = Fixtures.batchBody([
            Self.event(.pageLoaded, "p1"),
            Self.event(.acceptOffer, "o1"),
            Self.event(.cancel, "c1"),
            Self.event(.cancel, "c2", plan: "Free"),
        ])
        #expect(try await TestClient.ingest(setup.server, tenant: "acme", body: body).status == 202)

        // Segment: Identify for the page view, then three Tracks, all without the dropped fields.
        #expect(try await eventually { setup.segment.messages.count >= 5 })
        let messages = setup.segment.messages
        let identify = try #require(messages.first { $0["type"] == "identify" })
        let traits = try #require(identify["traits"]?.objectValue)
        #expect(traits["cancel.email"] == nil, "a dropped field.cancel.email is absent from the traits")
        #expect(traits["cancel.first_name"] == "Jane")
        let tracks = messages.filter { $0["type"] == "track" }
        #expect(tracks.compactMap { $0["messageId"]?.stringValue }.sorted() == ["c1", "c2", "o1", "p1"])
        for track in tracks {
            let properties = try #require(track["properties"]?.objectValue)
            #expect(properties["field.cancel.email"] == nil)
            #expect(!properties.keys.contains { $0.hasPrefix("survey.") })
            #expect(properties["source"] == "retention")
            #expect(properties["field.standard.Contract Value"] == 1234)
        }
        #expect(tracks.first { $0["messageId"] == "o1" }?["event"] == "Offer Accepted")
        #expect(tracks.first { $0["messageId"] == "c1" }?["event"] == "cancel")

        // The CRM webhook: only the Premium cancel, renamed, signed, same id.
        #expect(try await eventually { setup.webhook.received.count >= 1 })
        try await Task.sleep(for: .milliseconds(300))
        let received = setup.webhook.received
        #expect(received.map(\.webhookID) == ["c1"])
        #expect(received.first?.verificationError == nil)
        let data = try #require(received.first?.json?["data"]?.objectValue)
        #expect(data["uid"] == "KD21akKyAZ")
        #expect(data["user_id"] == nil)
        #expect(data["field.cancel.email"] == "jane@example.com")
        #expect(received.first?.json?["type"] == "Subscription Cancelled")

        // The file sink: only account fields, cancel renamed, every event.
        #expect(try await eventually { ServerHarness.fileIDs(setup.directory).count == 4 })
        let lines = try String(contentsOfFile: setup.directory.appending("data/acme/events.ndjson"), encoding: .utf8).split(separator: "\n")
        for line in lines {
            let json = try JSONParser.parse(Array(line.utf8))
            let properties = try #require(json["properties"]?.objectValue)
            #expect(!properties.isEmpty && properties.keys.allSatisfy { $0.hasPrefix("field.cancel.account.") })
        }
        #expect(lines.compactMap { try? JSONParser.parse(Array($0.utf8))["type"]?.stringValue }.sorted() == ["Cancelled", "Cancelled", "accept_offer", "page_loaded"])

        // The event that the CRM's where excluded says so, through the API.
        let status = try await OperationsEndToEndTests.admin(.GET, setup.server, "/v1/tenants/acme/events/c2")
        #expect(status.status == 200)
        let notRouted = status.json?["notRouted"]?.arrayValue ?? []
        #expect(notRouted.first { $0["id"] == "crm" }?["why"]?.stringValue?.contains("transform[0] (where properties.field.cancel.account.plan in [\"Premium\",\"business\"])") == true)
        // What is stored is what was accepted: the email is still there.
        #expect(status.json?["event"]?["properties"]?["field.cancel.email"] == "jane@example.com")
        try await setup.stop()
    }

    @Test func replayAfterAConfigChangeAppliesTheNewTransform() async throws {
        let setup = try await Self.start()
        setup.webhook.script([.status(400)])
        #expect(try await TestClient.ingest(setup.server, tenant: "acme", body: JSONWriter.serialize(Self.event(.cancel, "c9"))).status == 202)
        #expect(try await eventually {
            try await OperationsEndToEndTests.admin(.GET, setup.server, "/v1/tenants/acme/dead-letters?destination=crm").json?["deadLetters"]?.arrayValue?.count == 1
        })
        #expect(setup.webhook.received.first?.json?["data"]?["uid"] == "KD21akKyAZ")
        let changed: JSONValue = [["rename": ["user_id": "account_user"]], ["drop": ["survey.*"]]]
        try setup.directory.write(
            Self.tenant(segment: setup.segment.url, webhook: setup.webhook.url, crmTransform: changed),
            to: "config/tenants/acme.json"
        )
        #expect(try await OperationsEndToEndTests.admin(.POST, setup.server, "/v1/admin/reload").status == 200)
        let replay = try await OperationsEndToEndTests.admin(.POST, setup.server, "/v1/tenants/acme/dead-letters/replay", body: ["id": "c9"])
        #expect(replay.json?["replayed"] == 1)
        #expect(try await eventually { setup.webhook.received.count == 2 })
        let data = try #require(setup.webhook.received.last?.json?["data"]?.objectValue)
        #expect(setup.webhook.received.last?.webhookID == "c9")
        #expect(data["account_user"] == "KD21akKyAZ")
        #expect(data["uid"] == nil)
        #expect(!data.keys.contains { $0.hasPrefix("survey.") })
        try await setup.stop()
    }

    @Test func thePreviewRouteShowsWhatWouldBeSentAndSendsNothing() async throws {
        let setup = try await Self.start()
        let path = "/v1/tenants/acme/destinations/crm/preview"
        let excluded = try await OperationsEndToEndTests.admin(.POST, setup.server, path, body: Self.event(.cancel, "free-1", plan: "Free"))
        #expect(excluded.status == 200)
        #expect(excluded.json?["notRouted"]?.arrayValue?.first?["id"] == "free-1")
        #expect(excluded.json?["requests"]?.arrayValue?.isEmpty == true)
        let routed = try await OperationsEndToEndTests.admin(.POST, setup.server, path, body: Self.event(.cancel, "paid-1"))
        let request = try #require(routed.json?["requests"]?.arrayValue?.first)
        #expect(request["url"]?.stringValue == setup.webhook.url + "/crm")
        let body = try JSONParser.parse(Array(try #require(request["body"]?.stringValue).utf8))
        #expect(body["data"]?["uid"] == "KD21akKyAZ")
        #expect(request["headers"]?.arrayValue?.contains { $0["name"] == "webhook-id" && $0["value"] == "paid-1" } == true)
        let segment = try await OperationsEndToEndTests.admin(.POST, setup.server, "/v1/tenants/acme/destinations/warehouse/preview", body: Self.event(.acceptOffer, "o-1"))
        let segmentBody = try #require(segment.json?["requests"]?.arrayValue?.first?["body"]?.stringValue)
        #expect(segmentBody.contains(#""event":"Offer Accepted""#))
        #expect(segmentBody.contains(#""writeKey":"••••""#))
        #expect(!segmentBody.contains("test-write-key"))
        // Bad input is named; unknown names are 404.
        let bad = try await OperationsEndToEndTests.admin(.POST, setup.server, path, body: ["event": "explode", "properties": [:]])
        #expect(bad.status == 422)
        #expect(bad.errorField == "event")
        #expect(try await OperationsEndToEndTests.admin(.POST, setup.server, "/v1/tenants/acme/destinations/nope/preview", body: Self.event(.cancel, "x")).status == 404)
        #expect(try await OperationsEndToEndTests.admin(.POST, setup.server, path, body: Self.event(.cancel, "x"), token: nil).status == 401)
        try await Task.sleep(for: .milliseconds(200))
        #expect(setup.webhook.received.isEmpty)
        #expect(setup.segment.messages.isEmpty)
        try await setup.stop()
    }
}
