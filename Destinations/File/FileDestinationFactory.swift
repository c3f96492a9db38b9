import RouterCore

/// Builds `"file"` destinations: NDJSON appended to a local file.
public struct FileDestinationFactory: DestinationFactory {
    public static let type = "file"

    public static func make(_ settings: FileDestinationSettings, context: DestinationContext) throws -> any Destination {
        let path = context.resolvePath(settings.path.replacingOccurrences(of: "{tenant}", with: context.tenant))
        return FileDestination(path: path, maxBytes: settings.maxBytes, threadPool: context.threadPool)
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        self.split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
