import Foundation
import Logging

/// A fresh folder under the system temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    /// The folder's absolute path.
    public let path: String

    /// Creates a new, empty folder.
    public init(prefix: String = "retention-router-test") throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        self.path = (base as NSString).appendingPathComponent("\(prefix)-\(UUID().uuidString.lowercased())")
        try FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: true)
    }

    /// A path inside the folder.
    public func appending(_ component: String) -> String {
        (self.path as NSString).appendingPathComponent(component)
    }

    /// Writes `text` to a file inside the folder, creating parent folders.
    @discardableResult
    public func write(_ text: String, to component: String) throws -> String {
        let file = self.appending(component)
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// Removes the folder and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}

extension Logger {
    /// A logger for tests: quiet unless `TEST_LOG_LEVEL` asks for more.
    public static func quiet(_ label: String = "test") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }
}
