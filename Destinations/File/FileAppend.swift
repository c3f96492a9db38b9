/// Lines to append to one file in a pass of `FileSyncCoordinator` (see `appendAll`).
public struct FileAppend: Sendable {
    /// The lines, each ending in a newline.
    public var bytes: [UInt8]
    /// The file.
    public var path: String
    /// The rotation threshold, if any.
    public var maxBytes: Int?

    /// Creates an append of `bytes` to `path`.
    public init(bytes: [UInt8], path: String, maxBytes: Int?) {
        self.bytes = bytes
        self.path = path
        self.maxBytes = maxBytes
    }
}
