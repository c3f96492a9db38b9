/// The bounds ingest enforces on one request's content.
public struct IngestLimits: Sendable, Equatable {
    /// Most events in one `{"batch": [...]}`. Default 500.
    public var maxBatchEvents: Int
    /// Deepest nesting of arrays and objects in a body. Default 64.
    public var maxDepth: Int
    /// Longest event id, in characters. 100, as Segment allows for `messageId`.
    public var maxIDLength: Int

    /// Creates limits; the defaults are the documented ones.
    public init(maxBatchEvents: Int = 500, maxDepth: Int = JSONParser.defaultMaxDepth, maxIDLength: Int = 100) {
        self.maxBatchEvents = maxBatchEvents
        self.maxDepth = maxDepth
        self.maxIDLength = maxIDLength
    }
}
