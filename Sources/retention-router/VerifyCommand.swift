import ArgumentParser
import Foundation
import RouterCore
import Signing

/// `retention-router verify`: checks a received request the way a receiver should, so anyone can
/// confirm what the router sends.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a signed request: prints valid, or why not.",
        discussion: """
            --headers reads `name: value` lines (as `curl -D` writes them, or as `sign` prints them). \
            Exits 0 when a signature matches, 1 otherwise (bad signature, stale timestamp, malformed header).
            """
    )

    @Option(name: .long, help: "A file of request headers, one `name: value` per line.")
    var headers: String

    @Option(name: .long, help: "The raw body file.")
    var body: String

    @Option(name: .long, help: "Verify as if now were this Unix time (default: now).")
    var now: Int64?

    @Option(name: .long, help: "Timestamp tolerance in seconds (Standard Webhooks).")
    var tolerance: Int64 = 300

    @OptionGroup var secrets: SecretOptions

    func run() throws {
        let (scheme, keys) = try self.secrets.resolve(defaultScheme: .standardWebhooks)
        guard let headerText = FileManager.default.contents(atPath: self.headers).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw ValidationError("cannot read --headers \(self.headers)")
        }
        guard let body = FileManager.default.contents(atPath: self.body) else {
            throw ValidationError("cannot read --body \(self.body)")
        }
        var fields: [String: String] = [:]
        for line in headerText.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            fields[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let verifier = SignatureVerifier(scheme: scheme, keys: keys, toleranceSeconds: self.tolerance)
        do {
            try verifier.verify(body: Array(body), header: { fields[$0] }, now: self.now ?? Timestamp.now().secondsSince1970)
            print("valid")
        } catch {
            print("invalid: \(error.message) [\(error.code)]")
            throw ExitCode(1)
        }
    }
}
