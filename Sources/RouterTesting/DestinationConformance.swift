import RouterCore

/// Checks the rules every `Destination` keeps, for each destination module's tests (as vector's
/// `assert_sink_compliance`): sane batch limits, one outcome per event, an empty batch answered
/// with no outcomes, and a retry policy that waits and eventually gives up or keeps going sanely.
public enum DestinationConformance {
    /// Runs the checks against a destination that can deliver `events`; returns the problems
    /// found (empty when it conforms).
    public static func problems(of destination: any Destination, delivering events: [RoutedEvent]) async -> [String] {
        var problems: [String] = []
        let limits = destination.batchLimits
        if limits.maxEvents < 1 { problems.append("batchLimits.maxEvents is \(limits.maxEvents); it must be at least 1") }
        if limits.maxBytes < 1 { problems.append("batchLimits.maxBytes is \(limits.maxBytes); it must be positive") }
        if limits.maxWait < .zero { problems.append("batchLimits.maxWait is negative") }
        let empty = await destination.deliver([])
        if !empty.isEmpty { problems.append("an empty batch got \(empty.count) outcomes") }
        let outcomes = await destination.deliver(events)
        if outcomes.count != events.count {
            problems.append("a batch of \(events.count) events got \(outcomes.count) outcomes")
        }
        let policy = destination.retryPolicy
        let first = policy.delay(afterFailures: 1)
        if first < .zero { problems.append("the first retry delay is negative") }
        let now = Timestamp.now()
        if policy.shouldGiveUp(failures: 1, firstFailure: now, now: now) {
            problems.append("the retry policy gives up after a single failure")
        }
        return problems
    }
}
