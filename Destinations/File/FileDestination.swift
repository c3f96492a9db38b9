import RouterCore

/// Appends events as NDJSON to a local file and reports them delivered only once the lines are
/// durable.
///
/// The writing and the durability step are shared: the destination hands its lines to the next
/// pass of a `FileSyncCoordinator`, which runs on the thread pool (never on an event loop),
/// appends the lines of every destination waiting and syncs all their files at once (see
/// there), so many tenants writing a line each cost neither a job nor an fsync each. A failed
/// write or sync is truncated away so a retry never leaves half a line, or a line it writes
/// again, behind.
public struct FileDestination: Destination {
    /// The file appended to.
    public let path: String
    /// The rotation threshold, if any.
    public let maxBytes: Int?
    let coordinator: FileSyncCoordinator

    public var batchLimits: BatchLimits { BatchLimits(maxEvents: 500, maxBytes: 4 << 20) }

    public var writesFile: String? { self.path }

    /// Its coordinator: batches of every file destination sharing it are written in one pass.
    public var combiner: (any DeliveryCombiner)? { self.coordinator }

    /// Creates a destination for `path` whose lines `coordinator` makes durable.
    public init(path: String, maxBytes: Int?, coordinator: FileSyncCoordinator = .shared) {
        self.path = path
        self.maxBytes = maxBytes
        self.coordinator = coordinator
    }

    public func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
        let append = self.append(batch)
        return Self.outcomes(of: await self.coordinator.append(append.bytes, to: append.path, maxBytes: append.maxBytes), count: batch.count)
    }

    /// The append that delivers `batch`.
    func append(_ batch: [RoutedEvent]) -> FileAppend {
        FileAppend(bytes: FileLineEncoder.encode(batch), path: self.path, maxBytes: self.maxBytes)
    }

    /// Each of `count` events' outcome once its lines' append ended as `outcome`.
    static func outcomes(of outcome: FileAppendOutcome, count: Int) -> [DeliveryOutcome] {
        let reason: FailureReason
        switch outcome {
        case .durable: return Array(repeating: .delivered, count: count)
        case .writeFailed(let message): reason = FailureReason(code: "file_write_failed", message: message)
        case .syncFailed(let message): reason = FailureReason(code: "file_sync_failed", message: message)
        }
        return Array(repeating: .retry(after: nil, reason: reason), count: count)
    }
}

extension FileDestination {
    /// The lines `deliver` would append.
    public func preview(_ batch: [RoutedEvent], now: Timestamp) -> DeliveryPreview {
        DeliveryPreview(fileWrites: [.init(path: self.path, bytes: FileLineEncoder.encode(batch))])
    }
}
