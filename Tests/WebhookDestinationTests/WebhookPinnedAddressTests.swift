import AsyncHTTPClient
import Logging
import NIOPosix
@testable import RouterCore
import RouterTesting
import Signing
import Synchronization
import Testing
import WebhookDestination

/// Issue #14 item 7: a delivery connects to the address its guard checked in the same attempt,
/// never to what the HTTP client would resolve again.
@Suite(.timeLimit(.minutes(2)))
struct WebhookPinnedAddressTests {
    /// Answers `rebind.test` with the scripted addresses, one per call, the last repeated.
    final class RebindingResolver: HostResolver {
        private let answers: Mutex<[[UInt8]]>

        init(_ answers: [[UInt8]]) {
            self.answers = Mutex(answers)
        }

        func addresses(of host: String) async throws -> [[UInt8]] {
            self.answers.withLock { answers in [answers.count > 1 ? answers.removeFirst() : answers[0]] }
        }
    }

    @Test func theCheckedAddressIsTheOneConnectedToAndARebindingIsRefused() async throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let keys = [try SigningKey(secret: secret, scheme: .standardWebhooks)]
        let receiver = try await FakeWebhookReceiver(verifier: SignatureVerifier(scheme: .standardWebhooks, keys: keys))
        let port = try #require(ParsedURL(receiver.url)?.port)
        // The receiver listens on 127.0.0.1, which this guard allows; 127.0.0.2 stands for the
        // private address a rebinding name turns to. `rebind.test` exists in no DNS: only a
        // connection to the pinned address can reach the receiver.
        let guardian = OutboundAddressGuard(
            allowPrivateAddresses: false,
            resolver: RebindingResolver([[127, 0, 0, 1], [127, 0, 0, 2]]),
            refuses: { $0 == [127, 0, 0, 2] },
            clients: PinnedHTTPClients(configuration: OutboundAddressGuard.defaultClientConfiguration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        )
        let context = DestinationContext(
            tenant: "acme", destinationID: "hook", logger: Logger(label: "test"), httpClient: .shared, threadPool: .singleton,
            baseDirectory: "/tmp", dataDirectory: "/tmp", allowPrivateAddresses: false, addressGuard: guardian
        )
        let settings: JSONValue = ["url": .string("http://rebind.test:\(port)/hooks"), "secrets": [.string(secret)], "timeout": 5]
        let destination = try WebhookUnitTests.registry.build(type: "webhook", settings: settings, environment: [:], context: context)
        let first = Fixtures.storedEvent(id: "pin-1", sequence: 1)
        #expect(await destination.deliver([RoutedEvent(event: first.event, sequence: 1, attempt: 1)]) == [.delivered])
        #expect(receiver.received.first?.headers["host"] == "rebind.test:\(port)")
        #expect(guardian.pinnedClientCount == 1)

        let second = Fixtures.storedEvent(id: "pin-2", sequence: 2)
        let outcomes = await destination.deliver([RoutedEvent(event: second.event, sequence: 2, attempt: 1)])
        guard case .rejected(let reason)? = outcomes.first else {
            Issue.record("the rebound address was not refused: \(outcomes)")
            return
        }
        #expect(reason.code == "private_address")
        #expect(receiver.received.count == 1)
        await guardian.shutdown()
        try await receiver.stop()
    }
}
