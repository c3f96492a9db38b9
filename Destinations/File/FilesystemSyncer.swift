#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CFileSync
import Synchronization

/// The real `FileSyncer`: a pass of one file syncs that file (`fdatasync`, and its folder when
/// the entry is new); a pass of several syncs each filesystem they live on once (`syncfs`).
///
/// `syncfs` commits the filesystem's journal once for every file written before the call, and
/// since Linux 5.8 it reports any write error the filesystem recorded since the previous call on
/// the same descriptor. That descriptor is a duplicate of the first file `adopt`ed on the
/// filesystem, taken before anything was written to it, and kept open: so an error while any
/// later file was written back fails the pass, and every file of that filesystem in it is
/// reported failed (the events are retried, never reported delivered). Where the system has no
/// `syncfs`, each file is synced by itself.
public final class FilesystemSyncer: FileSyncer {
    /// Passes with at most this many files sync each file by itself: for one file that is as
    /// cheap as `syncfs` and does not wait for unrelated writes elsewhere on the filesystem.
    public let directLimit: Int
    /// One open descriptor per filesystem (`st_dev`), for `syncfs`; a handful at most.
    private let handles = Mutex<[UInt64: Int32]>([:])

    /// Creates a syncer.
    public init(directLimit: Int = 1) {
        self.directLimit = directLimit
    }

    deinit {
        self.handles.withLock { handles in
            for descriptor in handles.values { close(descriptor) }
        }
    }

    public func adopt(_ descriptor: Int32, device: UInt64) {
        self.handles.withLock { handles in
            guard handles[device] == nil else { return }
            let duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
            if duplicate >= 0 { handles[device] = duplicate }
        }
    }

    public func sync(_ files: [WrittenFile]) -> [FileSyncFailure?] {
        guard files.count > self.directLimit else { return files.map(self.syncAlone) }
        var answers = [FileSyncFailure?](repeating: nil, count: files.count)
        var byDevice: [UInt64: [Int]] = [:]
        for (index, file) in files.enumerated() { byDevice[file.device, default: []].append(index) }
        for (device, indices) in byDevice {
            guard let handle = self.handles.withLock({ $0[device] }) else {
                for index in indices { answers[index] = self.syncAlone(files[index]) }
                continue
            }
            if rr_syncfs(handle) == 0 { continue }
            if errno == ENOSYS {
                for index in indices { answers[index] = self.syncAlone(files[index]) }
                continue
            }
            let reason = String(cString: strerror(errno))
            for index in indices {
                answers[index] = FileSyncFailure("cannot sync the filesystem of \(files[index].path): \(reason)")
            }
        }
        return answers
    }

    /// Syncs one file's data (opened anew: Linux reports a write error nobody has seen yet to
    /// the next opener) and, for a new entry, its folder. When the path no longer names the file
    /// written (moved away or deleted since, as logrotate does), the lines are in that other
    /// file: its whole filesystem is synced instead, or the sync fails if it cannot be.
    func syncAlone(_ file: WrittenFile) -> FileSyncFailure? {
        let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT, file.inode != nil { return self.syncReplaced(file) }
            return Self.failure("cannot open \(file.path) to sync it")
        }
        defer { close(descriptor) }
        if let inode = file.inode {
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { return Self.failure("cannot stat \(file.path) to sync it") }
            if UInt64(truncatingIfNeeded: info.st_ino) != inode || UInt64(truncatingIfNeeded: info.st_dev) != file.device {
                return self.syncReplaced(file)
            }
        }
        #if canImport(Glibc)
        let synced = fdatasync(descriptor)
        #else
        let synced = fsync(descriptor)
        #endif
        guard synced == 0 else { return Self.failure("cannot sync \(file.path)") }
        guard file.newEntry else { return nil }
        let parent = file.path.lastIndex(of: "/").map { String(file.path[..<$0]) } ?? "."
        let folder = open(parent.isEmpty ? "/" : parent, O_RDONLY | O_CLOEXEC)
        guard folder >= 0 else { return Self.failure("cannot open the folder of \(file.path)") }
        defer { close(folder) }
        guard fsync(folder) == 0 else { return Self.failure("cannot sync the folder of \(file.path)") }
        return nil
    }

    /// The lines of `file` went to a file its path no longer names: syncs the filesystem they
    /// were written on (through the descriptor adopted for it), which covers that file wherever
    /// it is now.
    private func syncReplaced(_ file: WrittenFile) -> FileSyncFailure? {
        let replaced = "\(file.path) was moved away or replaced before its lines were synced"
        guard let handle = self.handles.withLock({ $0[file.device] }) else {
            return FileSyncFailure("cannot sync the file written: \(replaced)")
        }
        guard rr_syncfs(handle) == 0 else {
            return Self.failure("cannot sync the filesystem of the file written (\(replaced))")
        }
        return nil
    }

    private static func failure(_ action: String) -> FileSyncFailure {
        FileSyncFailure("\(action): \(String(cString: strerror(errno)))")
    }
}
