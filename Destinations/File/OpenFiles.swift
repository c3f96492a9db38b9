#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files a `FileSyncCoordinator` keeps open between appends, so a busy file costs one
/// `stat` and one `write` per append instead of an open, a stat, a read of its last byte, a
/// write and a close.
///
/// Each entry remembers which file its descriptor names (device and inode) and where the router's
/// own last append ended. An append first looks at the path: a file that was moved, replaced or
/// deleted since (log rotation by another program) is opened anew, and a file someone else wrote
/// to since is checked for a torn last line as a fresh one is. At most `capacity` files stay
/// open; past that the least recently written quarter is closed. A file not written for a while
/// is closed too (`closeIdle`), so one a quiet tenant's logrotate deleted does not keep its
/// disk space. Not thread-safe: the coordinator keeps it behind a lock.
struct OpenFiles: ~Copyable {
    struct Entry {
        let descriptor: Int32
        let device: UInt64
        let inode: UInt64
        /// Where the last append through this descriptor ended (nil: unknown, check the tail).
        var end: Int64?
        var lastUse: ContinuousClock.Instant
    }

    /// The most descriptors kept open.
    let capacity: Int
    private var entries: [String: Entry] = [:]

    /// Keeps at most `capacity` files open (0: none, every append opens and closes its file).
    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// A capacity that leaves most of the process's descriptor limit to sockets and the store:
    /// half the soft `RLIMIT_NOFILE`, at most 16,384 (1,024, the usual default, gives 512; the
    /// shipped systemd unit's 65,536 gives 16,384).
    static var defaultCapacity: Int {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = Int32(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return 256 }
        // RLIM_INFINITY is all ones, which `min` caps like any large limit.
        return Int(min(UInt64(limit.rlim_cur) / 2, 16_384))
    }

    deinit {
        for entry in self.entries.values { close(entry.descriptor) }
    }

    /// Files open now (for tests).
    var count: Int { self.entries.count }

    /// The open descriptor for `path` if it still names the file `info` describes; a stale one
    /// is closed and forgotten.
    mutating func descriptor(for path: String, matching info: stat?) -> Entry? {
        guard let entry = self.entries[path] else { return nil }
        guard let info, UInt64(truncatingIfNeeded: info.st_dev) == entry.device, UInt64(truncatingIfNeeded: info.st_ino) == entry.inode else {
            self.forget(path)
            return nil
        }
        self.entries[path]?.lastUse = .now
        return entry
    }

    /// Keeps `descriptor`, just opened for `path`, open for later appends; false when nothing
    /// is kept (capacity 0), and the caller closes it.
    mutating func keep(_ descriptor: Int32, for path: String, device: UInt64, inode: UInt64) -> Bool {
        guard self.capacity > 0 else { return false }
        self.forget(path)
        if self.entries.count >= self.capacity { self.evict() }
        self.entries[path] = Entry(descriptor: descriptor, device: device, inode: inode, end: nil, lastUse: .now)
        return true
    }

    /// Records where the last append to `path` ended (nil: unknown).
    mutating func appended(to path: String, endingAt end: Int64?) {
        self.entries[path]?.end = end
    }

    /// Closes and forgets `path`'s descriptor, if open.
    mutating func forget(_ path: String) {
        if let entry = self.entries.removeValue(forKey: path) { close(entry.descriptor) }
    }

    /// Closes every file not written for `idle`; returns how many stay open.
    mutating func closeIdle(after idle: Duration) -> Int {
        let cutoff = ContinuousClock.now - idle
        for (path, entry) in self.entries where entry.lastUse <= cutoff {
            close(entry.descriptor)
            self.entries.removeValue(forKey: path)
        }
        return self.entries.count
    }

    /// Closes the least recently used quarter (at least one).
    private mutating func evict() {
        let oldest = self.entries.sorted { $0.value.lastUse < $1.value.lastUse }.prefix(max(1, self.entries.count / 4))
        for (path, entry) in oldest {
            close(entry.descriptor)
            self.entries.removeValue(forKey: path)
        }
    }
}
