import ArgumentParser
import Foundation

/// Helpers every subcommand shares: reading the files it is given with the reason when it cannot,
/// and reporting its own errors with its own usage (not the top-level command's).
extension ParsableCommand {
    /// Runs `body`; a `ValidationError` ends the program with this subcommand's usage (the
    /// library's own handler would print the top-level command's).
    static func reportingUsage<Result>(_ body: () async throws -> Result) async rethrows -> Result {
        do {
            return try await body()
        } catch let error as ValidationError {
            let usage = RetentionRouterCommand.usageString(for: Self.self)
            let name = RetentionRouterCommand.configuration.commandName ?? "retention-router"
            FileHandle.standardError.write(Data("Error: \(error.message)\nUsage: \(usage)\n  See '\(name) help \(Self._commandName)' for more.\n".utf8))
            throw ExitCode.validationFailure
        }
    }

    /// The contents of the file an option names, or a `ValidationError` with the reason:
    /// `cannot read --body /x: no such file`.
    static func readFile(_ path: String, option: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            // A pipe (`--body <(jq ...)`, `/dev/stdin`) has no size to read up to, which
            // Foundation's reader refuses: read it to its end instead.
            if let handle = FileHandle(forReadingAtPath: path) {
                defer { try? handle.close() }
                // `readToEnd` answers nil for an empty pipe; a folder throws and is reported below.
                if let data = try? (handle.readToEnd() ?? Data()) { return data }
            }
            throw ValidationError("cannot read \(option) \(path): \(Self.reason(for: error, path: path))")
        }
    }

    private static func reason(for error: any Error, path: String) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { return "no such file" }
        if isDirectory.boolValue { return "it is a folder" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return (error as NSError).localizedDescription
    }
}
