import Foundation

extension TenantLoader {
    /// The errors for destinations that would write one file (`Destination.writesFile`), across
    /// every tenant given: two writers would interleave and rotate each other's lines. Each
    /// error is reported on the later destination, in tenant order, and names the earlier one.
    ///
    /// Paths are compared after `.` and `..` are resolved and relative ones are made absolute,
    /// so `data/x.ndjson` and `data/./x.ndjson` are one file.
    public static func sharedFileErrors(_ tenants: [TenantConfiguration]) -> [ConfigError] {
        var writers: [String: (tenant: TenantConfiguration, index: Int)] = [:]
        var errors: [ConfigError] = []
        let workingDirectory = FileManager.default.currentDirectoryPath
        for tenant in tenants {
            for (index, configured) in tenant.destinations.enumerated() {
                guard let file = configured.destination.writesFile else { continue }
                let key = Self.standardized(file, in: workingDirectory)
                guard let first = writers[key] else {
                    writers[key] = (tenant, index)
                    continue
                }
                let other = first.tenant.destinations[first.index].id
                let owner = first.tenant.name == tenant.name ? "" : " of tenant \(first.tenant.name) (\(first.tenant.file))"
                errors.append(
                    ConfigError(
                        code: .duplicate,
                        file: tenant.file,
                        path: "destinations[\(index)].settings.path",
                        message: "destination \"\(configured.id)\" writes \(key), which destination \"\(other)\"\(owner) "
                            + "(destinations[\(first.index)].settings.path) writes too; give each its own file, "
                            + "e.g. \"data/{tenant}/\(configured.id).ndjson\""
                    )
                )
            }
        }
        return errors
    }

    /// `path` made absolute against `workingDirectory`, with `.`, `..` and repeated slashes
    /// resolved (symbolic links are not followed), as `URL.standardizedFileURL` does.
    static func standardized(_ path: String, in workingDirectory: String) -> String {
        let absolute = path.hasPrefix("/") ? path : workingDirectory + "/" + path
        // Most paths have no `.` component and no doubled or trailing slash: nothing to resolve.
        var previous: UInt8 = 0
        var clean = true
        for byte in absolute.utf8 {
            if (byte == UInt8(ascii: "/") && previous == UInt8(ascii: "/")) || (byte == UInt8(ascii: ".") && previous == UInt8(ascii: "/")) {
                clean = false
                break
            }
            previous = byte
        }
        if clean, previous != UInt8(ascii: "/") { return absolute }
        var parts: [Substring] = []
        for part in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
