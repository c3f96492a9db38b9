import ArgumentParser
import Foundation
import RouterCore
import Signing

/// `retention-router verify`: checks a received request the way a receiver should, so anyone can
/// confirm what the router sends.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a signed request: prints valid, or why not.",
        discussion: """
            --headers reads `name: value` lines: the request headers a receiver captured, or what `sign` prints \
            (not `curl -D`, which saves the response's headers). Without --scheme, the scheme is read from the \
            headers (webhook-signature, x-hub-signature-256 or x-hub-signature). \
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

    func run() async throws {
        try await Self.reportingUsage { try self.verify() }
    }

    private func verify() throws {
        let headerText = String(decoding: try Self.readFile(self.headers, option: "--headers"), as: UTF8.self)
        let body = try Self.readFile(self.body, option: "--body")
        var fields: [String: String] = [:]
        for line in headerText.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            fields[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        // Without --scheme, the headers say which scheme signed the request.
        let detected: SignatureScheme? =
            fields[SignatureHeader.webhookSignature] != nil ? .standardWebhooks
            : fields[SignatureHeader.hubSignature256] != nil ? .xHubSignature256
            : fields[SignatureHeader.hubSignature] != nil ? .xHubSignature : nil
        let (scheme, keys) = try self.secrets.resolve(defaultScheme: detected ?? SecretOptions.defaultScheme)
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
