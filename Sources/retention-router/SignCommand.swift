import ArgumentParser
import Foundation
import RouterCore
import Signing

/// `retention-router sign`: prints the headers a body needs, so anyone can try the server with curl.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Print the signature headers for a body.",
        discussion: """
            Prints one `name: value` line per header. For example:
              curl -H "$(retention-router sign --secret demo-secret --body event.json)" --data-binary @event.json ...
            """
    )

    @Option(name: .long, help: "x-hub-signature, x-hub-signature-256 or standard-webhooks.")
    var scheme: String = SignatureScheme.xHubSignature.rawValue

    @Option(name: .long, help: "The secret (repeat for several Standard Webhooks signatures).")
    var secret: [String] = []

    @Option(name: .long, help: "Read the secret from this environment variable instead.")
    var secretEnv: String?

    @Option(name: .long, help: "The body file; standard input when absent.")
    var body: String?

    @Option(name: .long, help: "The webhook-id (Standard Webhooks); a new UUID when absent.")
    var id: String?

    @Option(name: .long, help: "The webhook-timestamp in Unix seconds (Standard Webhooks); now when absent.")
    var timestamp: Int64?

    func run() throws {
        guard let scheme = SignatureScheme(rawValue: self.scheme) else {
            throw ValidationError("--scheme must be one of \(SignatureScheme.names)")
        }
        var secrets = self.secret
        if let name = self.secretEnv {
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw ValidationError("the environment variable \(name) is not set")
            }
            secrets.append(value)
        }
        guard !secrets.isEmpty else { throw ValidationError("give --secret or --secret-env") }
        let keys = try secrets.map { secret in
            do {
                return try SigningKey(secret: secret, scheme: scheme)
            } catch let error as SigningKeyError {
                throw ValidationError("--secret: \(error.message)")
            }
        }
        let bodyData: Data
        if let path = self.body {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read --body \(path)")
            }
            bodyData = data
        } else {
            bodyData = FileHandle.standardInput.readDataToEndOfFile()
        }
        let headers = Signer(scheme: scheme, keys: keys).headers(
            body: Array(bodyData),
            id: self.id ?? "msg_" + UUID().uuidString.lowercased(),
            timestamp: self.timestamp ?? Timestamp.now().secondsSince1970
        )
        for header in headers {
            print("\(header.name): \(header.value)")
        }
    }
}
