import EventStoreSQLite
import Foundation
import Logging
import NIOHTTP1
import RouterCore
import RouterTesting
import Signing
import Testing
import WebhookDestination

/// The real server delivering to a local receiver that verifies every request with our verifier.
@Suite(.timeLimit(.minutes(2)))
struct WebhookEndToEndTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let rotatedSecret = "whsec_" + Base64.encode(Array("a-second-secret-of-32-bytes-long".utf8))

    static var registry: DestinationRegistry {
        var registry = DestinationRegistry()
        registry.register(WebhookDestinationFactory.self)
        return registry
    }

    struct Setup {
        let directory: TemporaryDirectory
        let receiver: FakeWebhookReceiver
        let server: TestServer

        func stop() async throws {
            try await self.server.stop()
            try await self.receiver.stop()
            self.directory.remove()
        }
    }

    static func start(secrets: [String] = [Self.secret], extra: [String: JSONValue] = [:], verifyWith: [String]? = nil) async throws -> Setup {
        let keys = try (verifyWith ?? secrets).map { try SigningKey(secret: $0, scheme: .standardWebhooks) }
        let receiver = try await FakeWebhookReceiver(verifier: SignatureVerifier(scheme: .standardWebhooks, keys: keys))
        let directory = try TemporaryDirectory()
        var settings: [String: JSONValue] = [
            "url": .string(receiver.url + "/hooks/retention"),
            "secrets": .array(secrets.map { .string($0) }),
            "headers": ["X-Team": "growth"],
            "retrySchedule": [0.05, 0.05, 0.05],
        ]
        settings.merge(extra) { _, new in new }
        try directory.write(
            Fixtures.tenantJSON(name: "acme", destinations: [["id": "hook", "type": "webhook", "settings": .object(settings)]]),
            to: "config/tenants/acme.json"
        )
        let server = try await TestServer(directory: directory, registry: Self.registry)
        return Setup(directory: directory, receiver: receiver, server: server)
    }

    @Test func aRefusedConnectionFailsAtOnceAsConnectionRefused() async throws {
        // A port that was free a moment ago: nothing listens there.
        let receiver = try await FakeWebhookReceiver(verifier: SignatureVerifier(scheme: .standardWebhooks, keys: []))
        let url = receiver.url
        try await receiver.stop()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let settings: [String: JSONValue] = ["url": .string(url + "/hooks"), "secrets": [.string(Self.secret)], "timeout": 30, "retrySchedule": [60]]
        try directory.write(
            Fixtures.tenantJSON(name: "acme", destinations: [["id": "hook", "type": "webhook", "settings": .object(settings)]]),
            to: "config/tenants/acme.json"
        )
        let server = try await TestServer(
            directory: directory,
            registry: Self.registry,
            configuration: ServerConfiguration(allowPrivateAddresses: true, adminToken: .environment("ROUTER_ADMIN_TOKEN")),
            environment: ["ROUTER_ADMIN_TOKEN": "token"]
        )
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "refused-1")).status == 202)
        // With a 30 s request timeout, only an attempt that fails at once is recorded this soon.
        #expect(try await eventually(timeout: .seconds(5)) {
            let status = try await TestClient.send(.GET, server.baseURL + "/v1/tenants/acme/events/refused-1", headers: [("authorization", "Bearer token")])
            let attempts = status.json?["destinations"]?.arrayValue?.first?["attempts"]?.arrayValue ?? []
            return attempts.first?["error"]?["code"] == "connection_refused"
        })
        try await server.stop()
    }

    @Test func everyRequestIsSignedAndShapedAsDocumented() async throws {
        let setup = try await Self.start()
        let ids = ["w1", "w2", "w3"]
        for (id, type) in zip(ids, [RetentionEventType.pageLoaded, .cancel, .acceptOffer]) {
            #expect(try await TestClient.ingest(setup.server, tenant: "acme", body: Fixtures.eventBody(type: type, id: id)).status == 202)
        }
        #expect(try await eventually { setup.receiver.received.count == 3 })
        // One batch goes out as concurrent requests, so they may arrive in any order.
        for (received, id) in zip(setup.receiver.received.sorted { ($0.webhookID ?? "") < ($1.webhookID ?? "") }, ids) {
            #expect(received.verificationError == nil, "\(received.verificationError ?? "")")
            #expect(received.path == "/hooks/retention")
            #expect(received.webhookID == id)
            #expect(received.headers["content-type"] == "application/json")
            #expect(received.headers["content-length"] == String(received.body.count))
            #expect(received.headers["transfer-encoding"] == nil)
            #expect(received.headers["user-agent"]?.hasPrefix("retention-router/") == true)
            #expect(received.headers["x-team"] == "growth")
            #expect(received.json?["id"] == .string(id))
            #expect(received.json?["tenant"] == "acme")
            #expect(received.json?["data"] == .object(Fixtures.sampleProperties))
        }
        try await setup.stop()
    }

    @Test func conformsToTheDestinationContract() async throws {
        let receiver = try await FakeWebhookReceiver(
            verifier: SignatureVerifier(scheme: .standardWebhooks, keys: [try SigningKey(secret: Self.secret, scheme: .standardWebhooks)])
        )
        let destination = try Self.registry.build(
            type: "webhook",
            settings: ["url": .string(receiver.url), "secrets": [.string(Self.secret)]],
            environment: [:],
            context: WebhookUnitTests.context(allowPrivate: true)
        )
        let events = ["c1", "c2", "c3"].enumerated().map { index, id in
            RoutedEvent(event: Fixtures.storedEvent(id: id, sequence: Int64(index)).event, sequence: Int64(index), attempt: 1)
        }
        #expect(await DestinationConformance.problems(of: destination, delivering: events) == [])
        #expect(receiver.received.compactMap(\.webhookID).sorted() == ["c1", "c2", "c3"])
        try await receiver.stop()
    }

    @Test func rotationGivesOneValidSignaturePerSecret() async throws {
        let setup = try await Self.start(secrets: [Self.rotatedSecret, Self.secret])
        #expect(try await TestClient.ingest(setup.server, tenant: "acme", body: Fixtures.eventBody(type: .save, id: "rot")).status == 202)
        #expect(try await eventually { setup.receiver.received.count == 1 })
        let received = try #require(setup.receiver.received.first)
        #expect(received.signatures.count == 2)
        for secret in [Self.secret, Self.rotatedSecret] {
            let verifier = SignatureVerifier(scheme: .standardWebhooks, keys: [try SigningKey(secret: secret, scheme: .standardWebhooks)])
            try verifier.verify(body: received.body, header: { received.headers[$0] }, now: Timestamp.now().secondsSince1970)
        }
        try await setup.stop()
    }

    @Test func aFailureThenSuccessResendsTheSameIDWithAFreshTimestamp() async throws {
        let setup = try await Self.start(extra: ["retrySchedule": [1.5]])
        setup.receiver.script([.status(500)])
        #expect(try await TestClient.ingest(setup.server, tenant: "acme", body: Fixtures.eventBody(type: .email, id: "again")).status == 202)
        try #require(try await eventually { setup.receiver.received.count == 2 })
        let (first, second) = (setup.receiver.received[0], setup.receiver.received[1])
        #expect(first.answeredStatus == 500)
        #expect(second.answeredStatus == 200)
        #expect(first.webhookID == "again" && second.webhookID == "again")
        #expect(first.headers["webhook-timestamp"] != second.headers["webhook-timestamp"])
        #expect(second.verificationError == nil)
        try await Task.sleep(for: .milliseconds(200))
        #expect(setup.receiver.received.count == 2)
        try await setup.stop()
    }

    @Test func a404BecomesADeadLetterWithStatusAndBody() async throws {
        let setup = try await Self.start()
        setup.receiver.script([.status(404)])
        #expect(try await TestClient.ingest(setup.server, tenant: "acme", body: Fixtures.eventBody(type: .link, id: "gone")).status == 202)
        #expect(try await TestClient.ingest(setup.server, tenant: "acme", body: Fixtures.eventBody(type: .link, id: "next")).status == 202)
        #expect(try await eventually { setup.receiver.received.contains { $0.webhookID == "next" } })
        try await setup.server.stop()
        let dead = try await SQLiteEventStore(directory: setup.directory.appending("data"), logger: Logger(label: "t")).deadLetters(tenant: "acme", destination: "hook", limit: 10)
        #expect(dead.map(\.eventID) == ["gone"])
        #expect(dead.first?.reason.status == 404)
        #expect(dead.first?.reason.message.contains("answer 404") == true)
        #expect(setup.receiver.received.filter { $0.webhookID == "gone" }.count == 1)
        try await setup.receiver.stop()
        setup.directory.remove()
    }

    @Test func aHangingReceiverTimesOutAndIsRetried() async throws {
        let setup = try await Self.start(extra: ["timeout": 0.3])
        setup.receiver.script([.hang(.seconds(2))])
        #expect(try await TestClient.ingest(setup.server, tenant: "acme", body: Fixtures.eventBody(type: .chat, id: "slow")).status == 202)
        #expect(try await eventually { setup.receiver.received.contains { $0.answeredStatus == 200 && $0.webhookID == "slow" } })
        #expect(setup.receiver.received.first?.answeredStatus == nil)
        try await setup.stop()
    }

    @Test func aRedirectIsAFailureAndIsNotFollowed() async throws {
        let setup = try await Self.start()
        setup.receiver.script([.redirect(to: "/elsewhere")])
        #expect(try await TestClient.ingest(setup.server, tenant: "acme", body: Fixtures.eventBody(type: .schedule, id: "moved")).status == 202)
        #expect(try await eventually { setup.receiver.received.count == 2 })
        #expect(setup.receiver.received.map(\.answeredStatus) == [307, 200])
        #expect(setup.receiver.received.allSatisfy { $0.path == "/hooks/retention" })
        try await setup.stop()
    }

    @Test func privateAddressesAreRefusedUnlessAllowed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            Fixtures.tenantJSON(name: "acme", destinations: [["id": "hook", "type": "webhook", "settings": ["url": "http://127.0.0.1:9/x", "secrets": [.string(Self.secret)]]]]),
            to: "config/tenants/acme.json"
        )
        do {
            let server = try await TestServer(directory: directory, registry: Self.registry, configuration: ServerConfiguration(allowPrivateAddresses: false))
            try await server.stop()
            Issue.record("a loopback webhook URL was accepted")
        } catch let errors as ConfigErrors {
            #expect(errors.description.contains("destinations[0].settings.url: 127.0.0.1 is a private, loopback or link-local address"))
        }
        let allowed = try await TestServer(directory: directory, registry: Self.registry, configuration: ServerConfiguration(allowPrivateAddresses: true))
        try await allowed.stop()
    }
}
