import ArgumentParser
import Foundation
import RouterCore
import Signing

/// `retention-router sign`: prints the headers a body needs, so anyone can try the server with curl.
struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Print the signature headers for a body.",
        discussion: """
            Prints one `name: value` line per header. For example:
              curl -H "$(retention-router sign --secret demo-secret --body event.json)" --data-binary @event.json ...
            """
    )

    @Option(name: .long, help: "The body file; standard input when absent.")
    var body: String?

    @Option(name: .long, help: "The webhook-id (Standard Webhooks); a new UUID when absent.")
    var id: String?

    @Option(name: .long, help: "The webhook-timestamp in Unix seconds (Standard Webhooks); now when absent.")
    var timestamp: Int64?

    @OptionGroup var secrets: SecretOptions

    func run() async throws {
        try await Self.reportingUsage { try self.sign() }
    }

    private func sign() throws {
        let (scheme, keys) = try self.secrets.resolve(defaultScheme: SecretOptions.defaultScheme)
        let bodyData = try self.body.map { try Self.readFile($0, option: "--body") } ?? FileHandle.standardInput.readDataToEndOfFile()
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
