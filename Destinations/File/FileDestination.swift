#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOPosix
import RouterCore

/// Appends events as NDJSON to a local file and fsyncs each batch before reporting it delivered.
///
/// Writes run on the context's thread pool, never on an event loop. A failed write is truncated
/// away so a retry never leaves half a line behind.
public struct FileDestination: Destination {
    /// The file appended to.
    public let path: String
    /// The rotation threshold, if any.
    public let maxBytes: Int?
    private let threadPool: NIOThreadPool

    public var batchLimits: BatchLimits { BatchLimits(maxEvents: 500, maxBytes: 4 << 20) }

    public var writesFile: String? { self.path }

    /// Creates a destination for `path`.
    public init(path: String, maxBytes: Int?, threadPool: NIOThreadPool) {
        self.path = path
        self.maxBytes = maxBytes
        self.threadPool = threadPool
    }

    public func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
        let bytes = FileLineEncoder.encode(batch)
        let path = self.path
        let maxBytes = self.maxBytes
        do {
            try await self.threadPool.runIfActive {
                try FileAppender.append(bytes, to: path, maxBytes: maxBytes)
            }
            return Array(repeating: .delivered, count: batch.count)
        } catch {
            let reason = FailureReason(code: "file_write_failed", message: "\(error)")
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

/// Blocking file operations for `FileDestination`; call only from the thread pool.
enum FileAppender {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func append(_ bytes: [UInt8], to path: String, maxBytes: Int?) throws {
        try Self.makeParentDirectory(of: path)
        var rotated = false
        if let maxBytes {
            var info = stat()
            if stat(path, &info) == 0, info.st_size > 0, Int(info.st_size) + bytes.count > maxBytes {
                try Self.rotate(path)
                rotated = true
            }
        }
        let existed = access(path, F_OK) == 0
        let descriptor = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.failure("cannot open \(path)") }
        defer { close(descriptor) }
        var start = lseek(descriptor, 0, SEEK_END)
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
                if start >= 0 { _ = ftruncate(descriptor, start) }
                throw failure
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            let failure = Self.failure("cannot sync \(path)")
            if start >= 0 { _ = ftruncate(descriptor, start) }
            throw failure
        }
        if rotated || !existed {
            // A new or renamed file is durable only once its folder's entry is.
            try Self.syncParentDirectory(of: path)
        }
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

    static func syncParentDirectory(of path: String) throws {
        let parent = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let descriptor = open(parent.isEmpty ? "/" : parent, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.failure("cannot open the folder of \(path)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Self.failure("cannot sync the folder of \(path)") }
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
