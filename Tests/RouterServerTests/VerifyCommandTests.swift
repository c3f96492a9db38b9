import Foundation
import RouterCore
import RouterTesting
import Signing
import Testing
import WebhookDestination

/// `retention-router verify` against what the real server sends to a webhook receiver.
@Suite(.timeLimit(.minutes(2)))
struct VerifyCommandTests {
    @Test func verifyAcceptsWhatTheServerSendsAndRejectsATamperedBody() async throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let receiver = try await FakeWebhookReceiver(
            verifier: SignatureVerifier(scheme: .standardWebhooks, keys: [try SigningKey(secret: secret, scheme: .standardWebhooks)])
        )
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            Fixtures.tenantJSON(name: "acme", destinations: [["id": "hook", "type": "webhook", "settings": ["url": .string(receiver.url), "secrets": [.string(secret)]]]]),
            to: "config/tenants/acme.json"
        )
        var registry = DestinationRegistry()
        registry.register(WebhookDestinationFactory.self)
        let server = try await TestServer(directory: directory, registry: registry)
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "to-verify")).status == 202)
        #expect(try await eventually { !receiver.received.isEmpty })
        try await server.stop()
        try await receiver.stop()

        let received = try #require(receiver.received.first)
        let headers = received.headers.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
        let headersFile = try directory.write(headers, to: "headers.txt")
        let bodyFile = directory.appending("body.json")
        try Data(received.body).write(to: URL(fileURLWithPath: bodyFile))
        let valid = try await CommandLineTests.run(["verify", "--secret", secret, "--headers", headersFile, "--body", bodyFile], in: directory.path)
        #expect(valid.status == 0, "\(valid.output)")
        #expect(valid.output == "valid\n")

        var tampered = received.body
        tampered[tampered.count / 2] ^= 0x01
        try Data(tampered).write(to: URL(fileURLWithPath: bodyFile))
        let invalid = try await CommandLineTests.run(["verify", "--secret", secret, "--headers", headersFile, "--body", bodyFile], in: directory.path)
        #expect(invalid.status == 1)
        #expect(invalid.output.hasPrefix("invalid: no signature in webhook-signature matches the body"))

        try Data(received.body).write(to: URL(fileURLWithPath: bodyFile))
        let stale = try await CommandLineTests.run(
            ["verify", "--secret", secret, "--headers", headersFile, "--body", bodyFile, "--now", String(Timestamp.now().secondsSince1970 + 3600)],
            in: directory.path
        )
        #expect(stale.status == 1)
        #expect(stale.output.contains("stale_timestamp"))
    }
}
