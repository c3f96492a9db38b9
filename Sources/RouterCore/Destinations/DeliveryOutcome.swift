/// What happened to one event in a `deliver` call.
public enum DeliveryOutcome: Sendable, Hashable {
    /// The destination has it; the router will not send it again.
    case delivered
    /// A transient failure; the router tries again later. `after` is the wait the remote asked
    /// for (`Retry-After`), when it asked.
    case retry(after: Duration?, reason: FailureReason)
    /// A permanent failure; the event becomes a replayable dead letter with this reason.
    case rejected(reason: FailureReason)

    /// True for `.retry`.
    public var isRetry: Bool {
        if case .retry = self { return true }
        return false
    }
}
