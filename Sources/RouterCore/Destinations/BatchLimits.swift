/// How a destination wants its events grouped.
public struct BatchLimits: Sendable, Equatable {
    /// Most events handed to one `deliver` call.
    public var maxEvents: Int
    /// Most stored property bytes in one call (an estimate of the encoded size).
    public var maxBytes: Int
    /// How long a partly filled batch may wait for more events before it is sent anyway.
    public var maxWait: Duration

    /// Creates limits.
    public init(maxEvents: Int, maxBytes: Int = 4 << 20, maxWait: Duration = .zero) {
        precondition(maxEvents >= 1, "a batch holds at least one event")
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes
        self.maxWait = maxWait
    }
}
