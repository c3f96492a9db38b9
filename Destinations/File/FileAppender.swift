#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking file operations for `FileDestination`; call only from the thread pool.
enum FileAppender {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Appends `bytes` to `path` (creating its folders, rotating first when `maxBytes` would be
    /// passed, cutting off a torn last line) and closes it; the lines are not durable until
    /// `syncer` has synced the returned file. `syncer.adopt` sees the open file before the write.
    static func append(_ bytes: [UInt8], to path: String, maxBytes: Int?, syncer: any FileSyncer) throws -> WrittenFile {
        var rotated = false
        if let maxBytes {
            var info = stat()
            if stat(path, &info) == 0, info.st_size > 0, Int(info.st_size) + bytes.count > maxBytes {
                try Self.rotate(path)
                rotated = true
            }
        }
        // The usual case, an existing file, costs one open; a missing one is created with its
        // folders, and its folder entry must be made durable too.
        var created = false
        var descriptor = open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        if descriptor < 0, errno == ENOENT {
            try Self.makeParentDirectory(of: path)
            descriptor = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            created = true
        }
        guard descriptor >= 0 else { throw Self.failure("cannot open \(path)") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Self.failure("cannot stat \(path)") }
        let device = UInt64(truncatingIfNeeded: info.st_dev)
        syncer.adopt(descriptor, device: device)
        var start = off_t(info.st_size)
        if start > 0 {
            start = try Self.dropTornTail(descriptor, size: start, path: path)
        }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                let failure = Self.failure("cannot write \(path)")
                _ = ftruncate(descriptor, start)
                throw failure
            }
            written += result
        }
        return WrittenFile(path: path, device: device, start: Int64(start), length: bytes.count, newEntry: rotated || created)
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
