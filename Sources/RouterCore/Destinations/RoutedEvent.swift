/// An event on its way to one destination, with where it stands in that destination's queue.
public struct RoutedEvent: Sendable, Hashable {
    /// The event.
    public var event: RetentionEvent
    /// Its position in the store; increases in acceptance order.
    public var sequence: Int64
    /// Which attempt this is for this destination, starting at 1.
    public var attempt: Int

    /// Creates a routed event.
    public init(event: RetentionEvent, sequence: Int64, attempt: Int) {
        self.event = event
        self.sequence = sequence
        self.attempt = attempt
    }
}
