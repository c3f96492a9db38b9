import EventStoreSQLite
import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Signing
import Testing
import WebhookDestination

/// Stopping the real binary while a delivery hangs: SIGTERM ends it within the graceful deadline,
/// and the event it was sending stays pending for the next start.
@Suite(.timeLimit(.minutes(2)))
struct ShutdownTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    @Test(.timeLimit(.minutes(2)))
    func sigtermWithADeliveryThatNeverAnswersExitsWithinFifteenSecondsAndKeepsTheEventPending() async throws {
        let key = try SigningKey(secret: Self.secret, scheme: .standardWebhooks)
        let receiver = try await FakeWebhookReceiver(verifier: SignatureVerifier(scheme: .standardWebhooks, keys: [key]))
        // The first request hangs for 25 s, far past the 8 s shutdown grace (the destination waits up to 300 s); later ones succeed.
        receiver.script([.hang(.seconds(25))])
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(#"{"listen": {"host": "127.0.0.1", "port": 0}, "allowPrivateAddresses": true}"#, to: "config/router.json")
        let tenant = Fixtures.tenantJSON(
            name: "acme",
            destinations: [["id": "hook", "type": "webhook", "settings": ["url": .string(receiver.url + "/slow"), "secrets": [.string(Self.secret)], "timeout": 300]]]
        )
        try directory.write(tenant, to: "config/tenants/acme.json")
        let log = directory.appending("serve.log")
        try Data().write(to: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try CommandLineTests.binary())
        process.arguments = ["serve"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        #expect(try await eventually { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("Server listening") })
        let text = try String(contentsOfFile: log, encoding: .utf8)
        let port = try #require(text.firstMatch(of: /port=(\d+) \[RouterServer\] Server listening/).flatMap { Int($0.1) })
        let body = Fixtures.eventBody(type: .cancel, id: "in-flight")
        let signature = Signer(scheme: .xHubSignature, keys: [try SigningKey(secret: "test-secret", scheme: .xHubSignature)])
            .headers(body: body, id: "", timestamp: 0)
        let answer = try await TestClient.send(.POST, "http://127.0.0.1:\(port)/v1/tenants/acme/events", body: body, headers: signature.map { ($0.name, $0.value) })
        #expect(answer.status == 202)
        // The delivery is in flight: the receiver holds the request.
        #expect(try await eventually { receiver.received.count == 1 })

        let stopping = ContinuousClock.now
        process.terminate()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                process.waitUntilExit()
                continuation.resume()
            }
        }
        let took = ContinuousClock.now - stopping
        #expect(took < .seconds(15), "SIGTERM took \(took) with a delivery in flight")
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        let stopLog = try String(contentsOfFile: log, encoding: .utf8)
        #expect(stopLog.contains("Deliveries still in flight after the grace period are cancelled"))

        // The event was not counted: it is still pending, and the next start delivers it.
        let store = try ServerHarness.store(directory)
        let status = try #require(try await store.status(tenant: "acme", id: "in-flight"))
        #expect(status.destinations.first?.state == .pending)
        var registry = DestinationRegistry()
        registry.register(WebhookDestinationFactory.self)
        let restarted = try await TestServer(directory: directory, registry: registry)
        #expect(try await eventually { receiver.received.count == 2 && receiver.received.last?.answeredStatus == 200 })
        #expect(receiver.received.last?.webhookID == "in-flight")
        try await restarted.stop()
        try await receiver.stop()
    }
}
