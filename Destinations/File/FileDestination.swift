import NIOPosix
import RouterCore

/// Appends events as NDJSON to a local file and reports them delivered only once the lines are
/// durable.
///
/// Writes run on the context's thread pool, never on an event loop. The durability step is
/// shared: after its append the destination joins the next pass of a `FileSyncCoordinator`,
/// which syncs every file written since the last pass at once (see there), so many tenants
/// writing a line each do not cost an fsync each. A failed write or sync is truncated away so a
/// retry never leaves half a line, or a line it writes again, behind.
public struct FileDestination: Destination {
    /// The file appended to.
    public let path: String
    /// The rotation threshold, if any.
    public let maxBytes: Int?
    private let threadPool: NIOThreadPool
    private let coordinator: FileSyncCoordinator

    public var batchLimits: BatchLimits { BatchLimits(maxEvents: 500, maxBytes: 4 << 20) }

    public var writesFile: String? { self.path }

    /// Creates a destination for `path` whose lines `coordinator` makes durable.
    public init(path: String, maxBytes: Int?, threadPool: NIOThreadPool, coordinator: FileSyncCoordinator = .shared) {
        self.path = path
        self.maxBytes = maxBytes
        self.threadPool = threadPool
        self.coordinator = coordinator
    }

    public func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
        let bytes = FileLineEncoder.encode(batch)
        let path = self.path
        let maxBytes = self.maxBytes
        let syncer = self.coordinator.syncer
        let written: WrittenFile
        do {
            written = try await self.threadPool.runIfActive {
                try FileAppender.append(bytes, to: path, maxBytes: maxBytes, syncer: syncer)
            }
        } catch {
            let reason = FailureReason(code: "file_write_failed", message: "\(error)")
            return Array(repeating: .retry(after: nil, reason: reason), count: batch.count)
        }
        do {
            try await self.coordinator.sync(written)
            return Array(repeating: .delivered, count: batch.count)
        } catch {
            try? await self.threadPool.runIfActive { FileAppender.undo(written) }
            let reason = FailureReason(code: "file_sync_failed", message: "\(error)")
            return Array(repeating: .retry(after: nil, reason: reason), count: batch.count)
        }
    }
}

extension FileDestination {
    /// The lines `deliver` would append.
    public func preview(_ batch: [RoutedEvent], now: Timestamp) -> DeliveryPreview {
        DeliveryPreview(fileWrites: [.init(path: self.path, bytes: FileLineEncoder.encode(batch))])
    }
}
