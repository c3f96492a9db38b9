import RouterCore
import Signing

/// A synthetic event sent to one destination through its module's real delivery code (its
/// transform, encoder, signature, HTTP client or file), to check a destination before real
/// traffic depends on it. It is not stored and not queued, so it never waits behind a backlog
/// and never changes a partition's order; the outcome is answered at once and audited.
///
/// How a receiver can tell it is a test (documented in the README):
/// - its id starts with `rr-test-`, a prefix ingest refuses for real events;
/// - its properties hold `"rr_test": true`;
/// - its identity is the test account `rr-test-account` (Segment `userId`) and user
///   `rr-test-user` (Segment `anonymousId`), so an Identify never touches a real profile.
public struct TestSend: Sendable {
    /// What happened.
    public struct Result: Sendable {
        /// The synthetic event's id.
        public var eventID: String
        /// Its type: `page_loaded`, or the first type the destination takes when not that one.
        public var type: RetentionEventType
        /// The destination's answer.
        public var outcome: DeliveryOutcome?
        /// How long the attempt took.
        public var latencyMilliseconds: Int64
        /// Set when no answer came in time.
        public var timedOut: Bool
    }

    /// The prefix every test event id has and no accepted event may have.
    public static let idPrefix = IngestDecoder.reservedTestPrefix
    /// The longest a test send waits for the destination.
    public static let timeout: Duration = .seconds(20)

    /// The synthetic event for `destination` of `tenant` at `now`.
    public static func event(for destination: ConfiguredDestination, tenant: String, now: Timestamp) -> RetentionEvent {
        var generator = SystemRandomNumberGenerator()
        let suffix = Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let type: RetentionEventType =
            destination.accepts(.pageLoaded) ? .pageLoaded : (destination.events.map { $0.sorted { $0.rawValue < $1.rawValue } }?.first ?? .pageLoaded)
        let properties: [(String, JSONValue)] = [
            ("rr_test", .bool(true)),
            (RetentionEvent.PropertyKey.appID, "rr-test"),
            (RetentionEvent.PropertyKey.session, .string("rr-test-\(suffix)")),
            (RetentionEvent.PropertyKey.userID, "rr-test-user"),
            (RetentionEvent.PropertyKey.accountInternalID, "rr-test-account"),
            ("client_timestamp", .string(now.iso8601)),
            ("rr_test_note", "A test event sent from the RetentionRouter console; not a real cancel-flow event."),
        ]
        var writer = JSONWriter(capacity: 512)
        writer.raw("{")
        for (index, (name, value)) in properties.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.write(.string(name))
            writer.raw(":")
            writer.write(value)
        }
        writer.raw("}")
        return RetentionEvent(
            id: Self.idPrefix + suffix,
            type: type,
            tenant: tenant,
            occurredAt: now,
            receivedAt: now,
            encodedProperties: writer.bytes
        )
    }

    /// Sends a synthetic event to `destination` and waits for its outcome, at most `timeout`.
    public static func send(to destination: ConfiguredDestination, tenant: String, timeout: Duration = Self.timeout) async -> Result {
        let event = Self.event(for: destination, tenant: tenant, now: .now())
        let routed = RoutedEvent(event: event, sequence: 0, attempt: 1)
        let clock = ContinuousClock()
        let started = clock.now
        let delivering = destination.destination
        let outcome = await withTaskGroup(of: DeliveryOutcome?.self) { group in
            group.addTask { await delivering.deliver([routed]).first }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            // The delivery, when it lost the race, is cancelled (its request is abandoned).
            group.cancelAll()
            return first
        }
        let elapsed = clock.now - started
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        return Result(eventID: event.id, type: event.type, outcome: outcome, latencyMilliseconds: milliseconds, timedOut: outcome == nil)
    }
}
