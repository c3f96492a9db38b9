import AsyncHTTPClient
import Logging
import NIOPosix
import RouterCore
import RouterTesting
import SegmentDestination

/// Builders shared by this target's tests.
enum SegmentTestSupport {
    /// The write key the fake receiver expects by default.
    static let writeKey = "test-write-key"

    /// The sample event's `originalTimestamp`.
    static let sampleOccurredAt = Timestamp(millisecondsSince1970: 1_604_623_990_886)

    /// The reference sample as a normalized event, with another type, id or properties.
    static func event(
        type: RetentionEventType = .acceptOffer,
        id: String = "1c296cd0-509f-477e-bbc2-bd07e5b33d06",
        properties: [String: JSONValue] = Fixtures.sampleProperties
    ) -> RetentionEvent {
        RetentionEvent(
            id: id,
            type: type,
            tenant: "acme",
            occurredAt: Self.sampleOccurredAt,
            receivedAt: Timestamp(millisecondsSince1970: 1_604_624_000_000),
            properties: properties
        )
    }

    /// A routed event for `deliver`.
    static func routed(_ event: RetentionEvent, sequence: Int64 = 1, attempt: Int = 1) -> RoutedEvent {
        RoutedEvent(event: event, sequence: sequence, attempt: attempt)
    }

    /// The sample properties plus one padding property of `bytes` characters.
    static func paddedProperties(_ bytes: Int) -> [String: JSONValue] {
        var properties = Fixtures.sampleProperties
        properties["padding"] = .string(String(repeating: "x", count: bytes))
        return properties
    }

    /// A context over the shared HTTP client, with a quiet logger.
    static func context(allowPrivateAddresses: Bool = true) -> DestinationContext {
        var logger = Logger(label: "segment-test")
        logger.logLevel = .critical
        return DestinationContext(
            tenant: "acme",
            destinationID: "segment",
            logger: logger,
            httpClient: HTTPClient.shared,
            threadPool: NIOThreadPool.singleton,
            baseDirectory: "",
            dataDirectory: "",
            allowPrivateAddresses: allowPrivateAddresses
        )
    }

    /// A destination pointed at a fake receiver.
    static func destination(
        for receiver: FakeSegmentReceiver,
        writeKey: String = Self.writeKey,
        identify: SegmentSettings.IdentifyMode = .pageLoaded,
        timeout: Duration = .seconds(5),
        allowPrivateAddresses: Bool = true
    ) -> SegmentDestination {
        let settings = SegmentSettings(
            writeKey: SecretReference(value: writeKey, source: .inline),
            endpoint: receiver.url,
            identify: identify,
            timeout: timeout
        )
        return SegmentDestination(
            settings: settings,
            context: Self.context(allowPrivateAddresses: allowPrivateAddresses)
        )
    }

    /// Runs `body` with a fresh fake receiver and stops it afterwards, whatever happens.
    static func withReceiver<T>(
        writeKey: String = Self.writeKey,
        _ body: (FakeSegmentReceiver) async throws -> T
    ) async throws -> T {
        let receiver = try await FakeSegmentReceiver(writeKey: writeKey)
        do {
            let result = try await body(receiver)
            try await receiver.stop()
            return result
        } catch {
            try? await receiver.stop()
            throw error
        }
    }
}

extension DeliveryOutcome {
    /// The reason of a retry or rejection.
    var reason: FailureReason? {
        switch self {
        case .delivered: nil
        case .retry(_, let reason), .rejected(let reason): reason
        }
    }

    /// True for `.rejected`.
    var isRejected: Bool {
        if case .rejected = self { return true }
        return false
    }
}
