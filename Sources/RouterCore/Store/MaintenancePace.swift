/// How bulk maintenance (a replay of millions of dead letters, a prune pass, a bulk erasure)
/// shares the store with ingest: after each of its bounded steps it rests for a share of the
/// time the step took, so it never holds the store's attention for long stretches.
///
/// On SQLite the steps already queue behind ingest's commits on the one writer, so no rest is
/// needed. A PostgreSQL server is shared with every instance's ingest and delivery, and what a
/// step costs it goes on after the step commits (WAL written, then checkpoints forced by it):
/// resting as long as the step took halves the rate at which maintenance makes that work, which
/// keeps ingest's tail latency flat while a million-row replay runs, at the price of the replay
/// taking about twice as long.
public struct MaintenancePace: Sendable, Equatable {
    /// The rest after a step, as a share of the step's own time (0: none).
    public var restShare: Double
    /// The longest rest after one step, whatever it took.
    public var maxRest: Duration

    /// Creates a pace.
    public init(restShare: Double, maxRest: Duration) {
        self.restShare = max(0, restShare)
        self.maxRest = maxRest
    }

    /// No rest between steps.
    public static let unpaced = MaintenancePace(restShare: 0, maxRest: .zero)

    /// As long a rest as the step took, at most a second: maintenance takes at most about half
    /// of the store's time.
    public static let halfDuty = MaintenancePace(restShare: 1, maxRest: .seconds(1))

    /// How long to rest after a step that took `elapsed`.
    public func rest(after elapsed: Duration) -> Duration {
        guard self.restShare > 0, elapsed > .zero else { return .zero }
        return min(elapsed * self.restShare, self.maxRest)
    }

    /// Rests after a step that began at `started`, as the pace says. Cancellation ends the rest
    /// at once; the caller's loop decides what cancellation means for the steps left.
    public func rest(afterStepStartedAt started: ContinuousClock.Instant) async {
        let rest = self.rest(after: ContinuousClock.now - started)
        if rest > .zero { try? await Task.sleep(for: rest) }
    }
}
