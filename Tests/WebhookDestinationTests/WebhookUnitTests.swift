import AsyncHTTPClient
import Foundation
import Logging
import NIOPosix
import RouterCore
import RouterTesting
import Signing
import Testing
import WebhookDestination

@Suite(.timeLimit(.minutes(2)))
struct WebhookUnitTests {
    static func context(allowPrivate: Bool = false) -> DestinationContext {
        DestinationContext(
            tenant: "acme", destinationID: "hook", logger: Logger(label: "test"), httpClient: .shared, threadPool: .singleton,
            baseDirectory: "/tmp", dataDirectory: "/tmp", allowPrivateAddresses: allowPrivate
        )
    }

    static var registry: DestinationRegistry {
        var registry = DestinationRegistry()
        registry.register(WebhookDestinationFactory.self)
        return registry
    }

    private func buildError(_ settings: JSONValue, allowPrivate: Bool = false) -> String? {
        do {
            _ = try Self.registry.build(type: "webhook", settings: settings, environment: ["HOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], context: Self.context(allowPrivate: allowPrivate))
            return nil
        } catch let errors as SettingsErrors {
            return errors.errors.map(Self.describe).joined(separator: "\n")
        } catch {
            return Self.describe(error)
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let error as SettingsError: error.description
        case let error as DecodingError: ConfigError(decoding: error, file: "t.json", prefix: "settings").description
        default: "\(error)"
        }
    }

    @Test func everyProblemOfASettingsBlockIsListedAtOnce() throws {
        let settings: JSONValue = ["url": "http://localhost/hook", "secrets": ["not-whsec", ["env": "HOOK_SECRET"]], "x-hub": true]
        let problems = try #require(self.buildError(settings)).split(separator: "\n").map(String.init)
        #expect(problems.count == 3, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("t.json: settings.x-hub: unknown key") })
        #expect(problems.contains { $0.hasPrefix("url: ") && $0.contains("allowPrivateAddresses") })
        #expect(problems.contains { $0.hasPrefix("secrets[0]: a standard-webhooks secret starts with") })
    }

    @Test func payloadHasTheDocumentedShape() throws {
        let event = Fixtures.storedEvent(type: .cancel, id: "evt-1", sequence: 1).event
        let json = try JSONParser.parse(WebhookPayload.encode(event))
        #expect(json == [
            "id": "evt-1", "type": "cancel", "tenant": "acme", "timestamp": "2020-11-06T00:53:10.886Z", "data": .object(Fixtures.sampleProperties),
        ])
        // Keys come in the documented order, so the body reads naturally.
        #expect(String(decoding: WebhookPayload.encode(event), as: UTF8.self).hasPrefix(#"{"id":"evt-1","type":"cancel","tenant":"acme","timestamp":"#))
    }

    @Test(arguments: [
        (200, "delivered"), (204, "delivered"), (301, "retry"), (307, "retry"), (408, "retry"), (429, "retry"), (500, "retry"), (503, "retry"),
        (400, "rejected"), (401, "rejected"), (404, "rejected"), (410, "rejected"), (422, "rejected"),
    ])
    func classifiesEveryResponseClass(_ status: Int, _ expected: String) {
        let outcome = WebhookResponseClassifier.classify(status: status, retryAfter: nil, body: Array("nope".utf8), now: .now())
        switch outcome {
        case .delivered: #expect(expected == "delivered")
        case .retry(_, let reason):
            #expect(expected == "retry")
            #expect(reason.status == status)
        case .rejected(let reason):
            #expect(expected == "rejected")
            #expect(reason.status == status)
            #expect(reason.message.contains("nope"))
        }
    }

    @Test func retryAfterIsHonouredInSecondsAndDates() {
        let now = Timestamp(iso8601: "2026-11-25T12:00:00Z") ?? .now()
        guard case .retry(let after, _) = WebhookResponseClassifier.classify(status: 429, retryAfter: "120", body: [UInt8](), now: now) else {
            Issue.record("429 was not a retry")
            return
        }
        #expect(after == .seconds(120))
        guard case .retry(let dated, _) = WebhookResponseClassifier.classify(status: 503, retryAfter: "Wed, 25 Nov 2026 12:01:00 GMT", body: [UInt8](), now: now) else {
            Issue.record("503 was not a retry")
            return
        }
        #expect(dated == .seconds(60))
    }

    @Test func rejectedBodiesAreCutToOneKilobyte() {
        let outcome = WebhookResponseClassifier.classify(status: 404, retryAfter: nil, body: [UInt8](repeating: 0x61, count: 5000), now: .now())
        guard case .rejected(let reason) = outcome else {
            Issue.record("404 was not rejected")
            return
        }
        #expect(reason.message.count < 1200)
    }

    @Test func settingsNameThePathAtFault() {
        let valid: [String: JSONValue] = ["url": "https://hooks.example.com/x", "secrets": [["env": "HOOK_SECRET"]]]
        #expect(self.buildError(.object(valid)) == nil)
        var bad = valid
        bad["url"] = "ftp://hooks.example.com"
        #expect(self.buildError(.object(bad))?.hasPrefix("url: \"ftp://hooks.example.com\" is not an http(s) URL") == true)
        bad = valid
        bad["secrets"] = ["not-whsec"]
        #expect(self.buildError(.object(bad))?.hasPrefix("secrets[0]: a standard-webhooks secret starts with") == true)
        bad = valid
        bad["secrets"] = []
        #expect(self.buildError(.object(bad))?.hasPrefix("t.json: settings.secrets: must hold at least one secret") == true)
        bad = valid
        bad["headers"] = ["Webhook-Signature": "forged"]
        #expect(self.buildError(.object(bad))?.hasPrefix("headers.Webhook-Signature: is set by the router") == true)
        bad = valid
        bad["scheme"] = "x-hub-signature"
        #expect(self.buildError(.object(bad))?.hasPrefix("t.json: settings.scheme:") == true)
        bad = valid
        bad["retrySchedule"] = []
        #expect(self.buildError(.object(bad))?.hasPrefix("t.json: settings.retrySchedule:") == true)
        bad = valid
        bad["secrets"] = [["env": "UNSET_VARIABLE"]]
        #expect(self.buildError(.object(bad)) == "t.json: settings.secrets[0].env: the environment variable UNSET_VARIABLE is not set")
        bad = valid
        bad["x-hub"] = true
        #expect(self.buildError(.object(bad))?.hasPrefix("t.json: settings.x-hub: unknown key") == true)
    }

    @Test(arguments: [
        "http://127.0.0.1:9000/", "http://localhost/hook", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8080/", "http://192.168.0.10/", "http://172.20.0.1/", "http://[fd00:ec2::254]/", "http://[::ffff:10.0.0.1]/",
    ])
    func privateURLsAreRefusedUnlessAllowed(_ url: String) {
        let settings: JSONValue = ["url": .string(url), "secrets": [["env": "HOOK_SECRET"]]]
        #expect(self.buildError(settings)?.hasPrefix("url: ") == true, "\(url) was accepted")
        #expect(self.buildError(settings, allowPrivate: true) == nil)
    }

    @Test func resolvedAddressesAreCheckedToo() async throws {
        let guardian = OutboundAddressGuard(allowPrivateAddresses: false, threadPool: .singleton)
        let localhost = try #require(ParsedURL("http://localhost/hook"))
        guard case .refused = await guardian.target(for: localhost) else {
            Issue.record("localhost was not refused")
            return
        }
        #expect(await guardian.target(for: try #require(ParsedURL("http://8.8.8.8/"))) == .pinned(address: "8.8.8.8"))
        let open = OutboundAddressGuard(allowPrivateAddresses: true, threadPool: .singleton)
        #expect(await open.target(for: localhost) == .unpinned)
    }
}

@Suite(.timeLimit(.minutes(2)))
struct WebhookOutageTests {
    @Test func anUnreachableReceiverCostsOneRoundOfAttemptsNotOnePerEvent() async throws {
        // A port nothing listens on: every connection is refused at once.
        let settings: JSONValue = ["url": "http://127.0.0.1:9/hook", "secrets": [.string(WebhookEndToEndTests.secret)], "concurrency": 2, "timeout": 1]
        let destination = try WebhookUnitTests.registry.build(type: "webhook", settings: settings, environment: [:], context: WebhookUnitTests.context(allowPrivate: true))
        let events = (0..<10).map { index in
            RoutedEvent(event: Fixtures.storedEvent(id: "o\(index)", sequence: Int64(index)).event, sequence: Int64(index), attempt: 1)
        }
        let outcomes = await destination.deliver(events)
        #expect(outcomes.count == 10)
        #expect(outcomes.allSatisfy { $0.isRetry })
        let skipped = outcomes.filter { outcome in
            if case .retry(_, let reason) = outcome { return reason.code == "not_sent" }
            return false
        }
        #expect(skipped.count >= 8)
    }
}
