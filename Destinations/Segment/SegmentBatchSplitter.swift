/// Groups events into `/v1/batch` requests that stay under Segment's limits.
///
/// Pure. Segment takes at most 500 KB and 2500 messages per request; like Segment's Python and
/// Swift libraries we stop at 475,000 bytes, which leaves room for proxies and headers. An event's
/// messages (Identify and Track) always travel in the same request, and order is kept.
public struct SegmentBatchSplitter: Sendable, Equatable {
    /// The default largest body, envelope included.
    public static let defaultMaxRequestBytes = 475_000
    /// The default most messages in one request.
    public static let defaultMaxMessages = 2500

    /// The bytes a body adds around its messages (`{"batch":[` ... `]}` with `sentAt`, `writeKey`).
    public var envelopeBytes: Int
    /// The largest body, envelope included.
    public var maxRequestBytes: Int
    /// The most messages in one request.
    public var maxMessages: Int

    /// Creates a splitter.
    public init(
        envelopeBytes: Int,
        maxRequestBytes: Int = Self.defaultMaxRequestBytes,
        maxMessages: Int = Self.defaultMaxMessages
    ) {
        self.envelopeBytes = envelopeBytes
        self.maxRequestBytes = maxRequestBytes
        self.maxMessages = maxMessages
    }

    /// Splits events into requests.
    ///
    /// - Parameter messageSizes: for each event, the serialized size of each of its messages.
    /// - Returns: groups of positions in `messageSizes`, in order; every event is in exactly one
    ///   group. An event too big for any request still gets a group of its own.
    public func split(_ messageSizes: [[Int]]) -> [[Int]] {
        var groups: [[Int]] = []
        var current: [Int] = []
        var bytes = self.envelopeBytes
        var messages = 0
        // The bytes an event adds to a body already holding `messages` messages (commas included).
        func cost(_ sizes: [Int], after messages: Int) -> Int {
            sizes.reduce(0, +) + (messages == 0 ? max(sizes.count - 1, 0) : sizes.count)
        }
        for (position, sizes) in messageSizes.enumerated() {
            let fits =
                bytes + cost(sizes, after: messages) <= self.maxRequestBytes
                && messages + sizes.count <= self.maxMessages
            if !current.isEmpty, !fits {
                groups.append(current)
                current = []
                bytes = self.envelopeBytes
                messages = 0
            }
            bytes += cost(sizes, after: messages)
            messages += sizes.count
            current.append(position)
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }
}
