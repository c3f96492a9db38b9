/// One step of erasing a tenant's events by a property value
/// (`EventStore.erasePayloads(tenant:matching:after:limit:dryRun:now:)`).
public struct ErasureProgress: Sendable, Equatable {
    /// Events looked at in this step (erased ones included: they no longer match).
    public var scanned: Int
    /// Events whose properties matched: erased by this step, or, in a dry run, that would be.
    public var matched: Int
    /// Per partition, deliveries that were waiting and became dead letters `erased` (empty in a
    /// dry run).
    public var deadLettered: [PartitionKey: Int]
    /// The sequence to continue after; nil when the tenant has no later events.
    public var next: Int64?

    /// Creates a step's progress.
    public init(scanned: Int, matched: Int, deadLettered: [PartitionKey: Int], next: Int64?) {
        self.scanned = scanned
        self.matched = matched
        self.deadLettered = deadLettered
        self.next = next
    }
}

/// What erasing a tenant's events by a property value did over all its steps.
public struct BulkErasureResult: Sendable, Equatable {
    /// True when nothing was changed: `matched` only counts.
    public var dryRun: Bool
    /// Events looked at.
    public var scanned: Int
    /// Events whose properties matched: erased now, or, in a dry run, that would be.
    public var matched: Int
    /// Per partition, deliveries that were waiting and became dead letters `erased`.
    public var deadLettered: [PartitionKey: Int]

    /// Creates a result.
    public init(dryRun: Bool, scanned: Int = 0, matched: Int = 0, deadLettered: [PartitionKey: Int] = [:]) {
        self.dryRun = dryRun
        self.scanned = scanned
        self.matched = matched
        self.deadLettered = deadLettered
    }

    /// Adds one step.
    public mutating func add(_ step: ErasureProgress) {
        self.scanned += step.scanned
        self.matched += step.matched
        self.deadLettered.merge(step.deadLettered, uniquingKeysWith: +)
    }
}
