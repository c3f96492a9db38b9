#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking file operations for `FileDestination`; call only from the thread pool (the passes of
/// `FileSyncCoordinator`).
enum FileAppender {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Appends `bytes` to `path` (creating its folders, rotating first when `maxBytes` would be
    /// passed, cutting off a torn last line); the lines are not durable until `syncer` has
    /// synced the returned file. `syncer.adopt` sees each newly opened file before the write.
    /// The file stays open in `files` for the next append when there is room (see `OpenFiles`).
    static func append(_ bytes: [UInt8], to path: String, maxBytes: Int?, syncer: any FileSyncer, files: inout OpenFiles) throws -> WrittenFile {
        // One look at the path: its size, and whether a descriptor kept open still names it.
        var info = stat()
        var found: stat? = stat(path, &info) == 0 ? info : nil
        var rotated = false
        if let maxBytes, let current = found, current.st_size > 0, Int(current.st_size) + bytes.count > maxBytes {
            files.forget(path)
            try Self.rotate(path)
            rotated = true
            found = nil
        }
        let descriptor: Int32
        let device: UInt64
        let inode: UInt64
        var start: off_t
        var created = false
        var kept = true
        if let current = found, let entry = files.descriptor(for: path, matching: current) {
            descriptor = entry.descriptor
            device = entry.device
            inode = entry.inode
            start = off_t(current.st_size)
            // Someone else wrote to it since the last append (or that append failed): check its tail.
            if start > 0, entry.end != Int64(start) {
                start = try Self.dropTornTail(descriptor, size: start, path: path)
            }
        } else {
            files.forget(path)
            // The usual case, an existing file, costs one open; a missing one is created with its
            // folders, and its folder entry must be made durable too.
            var opened = open(path, O_RDWR | O_APPEND | O_CLOEXEC)
            if opened < 0, errno == ENOENT {
                try Self.makeParentDirectory(of: path)
                opened = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
                created = true
            }
            guard opened >= 0 else { throw Self.failure("cannot open \(path)") }
            var opening = stat()
            guard fstat(opened, &opening) == 0 else {
                let failure = Self.failure("cannot stat \(path)")
                close(opened)
                throw failure
            }
            descriptor = opened
            device = UInt64(truncatingIfNeeded: opening.st_dev)
            inode = UInt64(truncatingIfNeeded: opening.st_ino)
            syncer.adopt(descriptor, device: device)
            kept = files.keep(descriptor, for: path, device: device, inode: inode)
            start = off_t(opening.st_size)
            do {
                if start > 0 { start = try Self.dropTornTail(descriptor, size: start, path: path) }
            } catch {
                if kept { files.forget(path) } else { close(descriptor) }
                throw error
            }
        }
        defer { if !kept { close(descriptor) } }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            if result <= 0 {
                if result < 0, errno == EINTR { continue }
                let failure = result == 0 ? Failure(description: "cannot write \(path): the file took no bytes") : Self.failure("cannot write \(path)")
                _ = ftruncate(descriptor, start)
                files.appended(to: path, endingAt: nil)
                throw failure
            }
            written += result
        }
        files.appended(to: path, endingAt: Int64(start) + Int64(bytes.count))
        return WrittenFile(path: path, device: device, start: Int64(start), length: bytes.count, newEntry: rotated || created, inode: inode)
    }

    /// Cuts `file` back to its size before the append, if nothing else was appended since:
    /// lines that could not be made durable are written again on the retry, so they must not
    /// stay behind as well. Best effort: the retry's lines are what count.
    static func undo(_ file: WrittenFile) {
        let descriptor = open(file.path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, Int64(info.st_size) == file.start + Int64(file.length) else { return }
        // The path names another file by now (moved away, as logrotate does): not ours to cut.
        if let inode = file.inode {
            guard UInt64(truncatingIfNeeded: info.st_ino) == inode, UInt64(truncatingIfNeeded: info.st_dev) == file.device else { return }
        }
        _ = ftruncate(descriptor, off_t(file.start))
    }

    /// A process killed in the middle of a write can leave a last line without its newline. That
    /// line was never reported delivered, so it will be written again: cut it off so the file
    /// stays one JSON object per line. Returns the new size.
    static func dropTornTail(_ descriptor: Int32, size: off_t, path: String) throws -> off_t {
        var last: UInt8 = 0
        guard pread(descriptor, &last, 1, size - 1) == 1 else { throw Self.failure("cannot read \(path)") }
        if last == UInt8(ascii: "\n") { return size }
        var end = size
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while end > 0 {
            let length = Int(min(off_t(chunk.count), end))
            let read = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length, end - off_t(length)) }
            guard read == length else { throw Self.failure("cannot read \(path)") }
            if let newline = chunk[0..<length].lastIndex(of: UInt8(ascii: "\n")) {
                end = end - off_t(length) + off_t(newline) + 1
                break
            }
            end -= off_t(length)
        }
        guard ftruncate(descriptor, end) == 0 else { throw Self.failure("cannot truncate \(path)") }
        return end
    }

    /// Shifts `NAME.n` to `NAME.n+1` from the oldest down, then `NAME` to `NAME.1`.
    static func rotate(_ path: String) throws {
        var highest = 0
        while access("\(path).\(highest + 1)", F_OK) == 0 { highest += 1 }
        var index = highest
        while index >= 1 {
            guard rename("\(path).\(index)", "\(path).\(index + 1)") == 0 else { throw Self.failure("cannot rotate \(path).\(index)") }
            index -= 1
        }
        guard rename(path, "\(path).1") == 0 else { throw Self.failure("cannot rotate \(path)") }
    }

    static func makeParentDirectory(of path: String) throws {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let parent = String(path[..<slash])
        var info = stat()
        if stat(parent, &info) == 0 { return }
        try Self.makeParentDirectory(of: parent)
        if mkdir(parent, 0o755) != 0, errno != EEXIST {
            throw Self.failure("cannot create the folder \(parent)")
        }
    }

    static func failure(_ action: String) -> Failure {
        Failure(description: "\(action): \(String(cString: strerror(errno)))")
    }
}
