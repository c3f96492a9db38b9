import RouterCore
import RouterTesting
import Signing
import Testing
import WebhookDestination

/// Issue #14 item 8: webhook `headers` values accept `{"env": NAME}` like every other secret.
@Suite(.timeLimit(.minutes(2)))
struct WebhookHeaderSecretTests {
    @Test func aHeaderValueFromTheEnvironmentIsSentAndMaskedInPreviews() async throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let keys = [try SigningKey(secret: secret, scheme: .standardWebhooks)]
        let receiver = try await FakeWebhookReceiver(verifier: SignatureVerifier(scheme: .standardWebhooks, keys: keys))
        let settings: JSONValue = [
            "url": .string(receiver.url + "/hooks"),
            "secrets": [.string(secret)],
            "headers": ["X-Team": "growth", "X-Partner-Ref": ["env": "PARTNER_REF"]],
        ]
        let destination = try WebhookUnitTests.registry.build(
            type: "webhook",
            settings: settings,
            environment: ["PARTNER_REF": "ref-from-env"],
            context: WebhookUnitTests.context(allowPrivate: true)
        )
        let stored = Fixtures.storedEvent(id: "h1", sequence: 1)
        let routed = RoutedEvent(event: stored.event, sequence: 1, attempt: 1)
        #expect(await destination.deliver([routed]) == [.delivered])
        let received = try #require(receiver.received.first)
        #expect(received.headers["x-partner-ref"] == "ref-from-env")
        #expect(received.headers["x-team"] == "growth")
        let shown = destination.preview([routed], now: Timestamp(millisecondsSince1970: 0)).requests.first?.headers ?? []
        #expect(shown.first { $0.name == "X-Partner-Ref" }?.value == DeliveryPreview.mask)
        #expect(shown.first { $0.name == "X-Team" }?.value == "growth")
        try await receiver.stop()
    }

    @Test func anUnsetVariableNamesTheHeadersPath() {
        let settings: JSONValue = [
            "url": "https://hooks.example.com/x",
            "secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
            "headers": ["Authorization": ["env": "UNSET_HEADER_VARIABLE"]],
        ]
        do {
            _ = try WebhookUnitTests.registry.build(type: "webhook", settings: settings, environment: [:], context: WebhookUnitTests.context())
            Issue.record("an unset variable was accepted")
        } catch {
            let described = "\(error)"
            #expect(described.contains("headers.Authorization.env"), "\(described)")
            #expect(described.contains("the environment variable UNSET_HEADER_VARIABLE is not set"))
        }
    }
}
