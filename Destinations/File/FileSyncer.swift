/// Makes lines appended to files durable: the step `FileSyncCoordinator` runs once for every
/// file written since its last pass.
///
/// Rules implementations keep:
/// - `sync` returns one answer per file, in order, and only after the data written to that file
///   before the call (and, for a file it created or rotated, the folder entry) is on stable
///   storage; a file it cannot vouch for gets a `FileSyncFailure`, never success.
/// - It blocks: the coordinator calls it on the thread pool, one call at a time.
/// - `adopt` is called for each file right after it is opened and before anything is written to
///   it, so that a write error reported later by the device is seen by a later `sync`.
public protocol FileSyncer: Sendable {
    /// Takes note of an open file before it is written (see the rules); `descriptor` stays
    /// owned by the caller, which may keep it open for later appends.
    func adopt(_ descriptor: Int32, device: UInt64)
    /// Makes every file durable; one answer per file, nil for durable.
    func sync(_ files: [WrittenFile]) -> [FileSyncFailure?]
}

/// Lines appended to one file, waiting to be made durable.
public struct WrittenFile: Sendable, Equatable {
    /// The file's path as the destination opens it.
    public var path: String
    /// The filesystem it lives on (`st_dev`).
    public var device: UInt64
    /// Its size before the append: where to cut it back if the lines cannot be made durable.
    public var start: Int64
    /// Bytes appended.
    public var length: Int
    /// True when the append created the file or rotated the old one away, so its folder entry
    /// must be made durable too.
    public var newEntry: Bool
    /// The file written (`st_ino`), so a sync can tell when the path names another file by then
    /// (logrotate moved ours away); nil when unknown.
    public var inode: UInt64?

    /// Describes an append.
    public init(path: String, device: UInt64, start: Int64, length: Int, newEntry: Bool, inode: UInt64? = nil) {
        self.path = path
        self.device = device
        self.start = start
        self.length = length
        self.newEntry = newEntry
        self.inode = inode
    }
}

/// Why appended lines could not be made durable (the call that failed and the system's reason).
public struct FileSyncFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed, e.g. `cannot sync /data/acme/events.ndjson: Input/output error`.
    public var description: String

    /// Creates a failure.
    public init(_ description: String) {
        self.description = description
    }
}
