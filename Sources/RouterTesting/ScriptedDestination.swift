import RouterCore
import Synchronization

/// A destination for tests that records every call and answers from a script: the first
/// `failures` calls fail (with `retry` or `reject`), later ones deliver.
///
/// Tests reach its record through `ScriptedDestination.recorder(named:)`, using the `name`
/// setting, so parallel tests never share one.
public struct ScriptedDestination: Destination {
    /// What a scripted failure answers.
    public enum Failure: String, Sendable, Decodable {
        case retry
        case reject
    }

    /// What the destination saw, shared with the test.
    public final class Recorder: Sendable {
        private let state = Mutex<(calls: [[RoutedEvent]], remainingFailures: Int, failedCalls: Int)>(([], 0, 0))

        init(failures: Int) {
            self.state.withLock { $0.remainingFailures = failures }
        }

        /// Every successful `deliver` call's batch, in order.
        public var calls: [[RoutedEvent]] { self.state.withLock { $0.calls } }

        /// How many calls the script failed.
        public var failedCalls: Int { self.state.withLock { $0.failedCalls } }

        /// The ids of events that were answered `delivered`, in order.
        public var deliveredIDs: [String] {
            self.state.withLock { $0.calls.flatMap { $0 } }.map(\.event.id)
        }

        /// Sets how many more calls fail.
        public func fail(next count: Int) {
            self.state.withLock { $0.remainingFailures = count }
        }

        /// Records a call and says whether it fails.
        func record(_ batch: [RoutedEvent]) -> Bool {
            self.state.withLock { state in
                if state.remainingFailures > 0 {
                    state.remainingFailures -= 1
                    state.failedCalls += 1
                    return true
                }
                state.calls.append(batch)
                return false
            }
        }
    }

    private static let recorders = Mutex<[String: Recorder]>([:])

    /// The recorder of the destination built with `name`, created on first use.
    public static func recorder(named name: String, failures: Int = 0) -> Recorder {
        self.recorders.withLock { recorders in
            if let existing = recorders[name] { return existing }
            let recorder = Recorder(failures: failures)
            recorders[name] = recorder
            return recorder
        }
    }

    let recorder: Recorder
    let failure: Failure
    public let batchLimits: BatchLimits
    public let retryPolicy: any RetryPolicy

    public func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
        guard self.recorder.record(batch) else { return Array(repeating: .delivered, count: batch.count) }
        let reason = FailureReason(code: "scripted_failure", message: "the script says this call fails", status: 503)
        switch self.failure {
        case .retry: return Array(repeating: .retry(after: nil, reason: reason), count: batch.count)
        case .reject: return Array(repeating: .rejected(reason: reason), count: batch.count)
        }
    }
}

/// Builds `"scripted"` destinations: `{"name": "...", "failures": 2, "failure": "retry"}`.
public struct ScriptedDestinationFactory: DestinationFactory {
    public struct Settings: Decodable, Sendable {
        var name: String
        var failures: Int
        var failure: ScriptedDestination.Failure
        var maxEvents: Int
        /// A fixed backoff between failed attempts, in seconds; nil for a fast 20–100 ms one.
        var backoffSeconds: Int?

        enum CodingKeys: String, CodingKey, CaseIterable { case name, failures, failure, maxEvents, backoffSeconds }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.name = try container.decode(String.self, forKey: .name)
            self.failures = try container.decodeIfPresent(Int.self, forKey: .failures) ?? 0
            self.failure = try container.decodeIfPresent(ScriptedDestination.Failure.self, forKey: .failure) ?? .retry
            self.maxEvents = try container.decodeIfPresent(Int.self, forKey: .maxEvents) ?? 100
            self.backoffSeconds = try container.decodeIfPresent(Int.self, forKey: .backoffSeconds)
        }
    }

    public static let type = "scripted"

    public static func make(_ settings: Settings, context: DestinationContext) throws -> any Destination {
        guard settings.failures >= 0 else { throw SettingsError(key: "failures", message: "must not be negative") }
        return ScriptedDestination(
            recorder: ScriptedDestination.recorder(named: settings.name, failures: settings.failures),
            failure: settings.failure,
            batchLimits: BatchLimits(maxEvents: settings.maxEvents),
            retryPolicy: settings.backoffSeconds.map { ExponentialJitterRetryPolicy(base: .seconds($0), cap: .seconds($0), jitter: 0, maxAttempts: 50) }
                ?? ExponentialJitterRetryPolicy(base: .milliseconds(20), cap: .milliseconds(100), jitter: 0.1, maxAttempts: 50)
        )
    }
}
