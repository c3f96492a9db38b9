import RouterCore

/// Builds `"file"` destinations: NDJSON appended to a local file.
public struct FileDestinationFactory: DestinationFactory {
    public static let type = "file"

    public static func make(_ settings: FileDestinationSettings, context: DestinationContext) throws -> any Destination {
        let path = context.resolvePath(settings.path.replacingOccurrences(of: "{tenant}", with: context.tenant))
        return FileDestination(path: path, maxBytes: settings.maxBytes)
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        // The usual path has no placeholder, or one: look for it byte by byte (thousands of
        // tenants are built per load).
        let bytes = Array(self.utf8)
        let pattern = Array(target.utf8)
        guard !pattern.isEmpty, bytes.count >= pattern.count else { return self }
        var result: [UInt8] = []
        var index = 0
        var replaced = false
        while index < bytes.count {
            if index + pattern.count <= bytes.count, bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                result.append(contentsOf: replacement.utf8)
                index += pattern.count
                replaced = true
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return replaced ? String(decoding: result, as: UTF8.self) : self
    }
}
