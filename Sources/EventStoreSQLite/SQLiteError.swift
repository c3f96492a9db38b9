/// A failure reported by SQLite, with its result code and message.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// SQLite's extended result code.
    public let code: Int32
    /// SQLite's message, plus what the router was doing.
    public let message: String

    public var description: String { "SQLite error \(self.code): \(self.message)" }
}
