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
    private let coordinator: FileSyncCoordinator

    public var batchLimits: BatchLimits { BatchLimits(maxEvents: 500, maxBytes: 4 << 20) }

    public var writesFile: String? { self.path }

    /// Creates a destination for `path` whose lines `coordinator` makes durable.
    public init(path: String, maxBytes: Int?, coordinator: FileSyncCoordinator = .shared) {
        self.path = path
        self.maxBytes = maxBytes
        self.coordinator = coordinator
    }

    public func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
        let reason: FailureReason
        switch await self.coordinator.append(FileLineEncoder.encode(batch), to: self.path, maxBytes: self.maxBytes) {
        case .durable: return Array(repeating: .delivered, count: batch.count)
        case .writeFailed(let message): reason = FailureReason(code: "file_write_failed", message: message)
        case .syncFailed(let message): reason = FailureReason(code: "file_sync_failed", message: message)
        }
        return Array(repeating: .retry(after: nil, reason: reason), count: batch.count)
    }
}

extension FileDestination {
    /// The lines `deliver` would append.
    public func preview(_ batch: [RoutedEvent], now: Timestamp) -> DeliveryPreview {
        DeliveryPreview(fileWrites: [.init(path: self.path, bytes: FileLineEncoder.encode(batch))])
    }
}
