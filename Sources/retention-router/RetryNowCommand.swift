import ArgumentParser
import Foundation
import NIOHTTP1
import RouterCore

/// `retention-router retry-now --tenant T --destination D`: after fixing a receiver, lift the
/// destination's backoff and make its waiting retries due now, on a running server.
struct RetryNowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry-now",
        abstract: "Lift a destination's backoff and retry its waiting events now (on a running server)."
    )

    @OptionGroup var server: DeadLettersCommand.ServerOptions

    @Option(name: .long, help: "The destination id.")
    var destination: String

    func run() async throws {

        try await Self.reportingUsage { try await self.perform() }

    }


    private func perform() async throws {
        let (status, body) = try await self.server.send(.POST, "/v1/tenants/\(self.server.tenant)/destinations/\(self.destination)/retry-now")
        guard status == 200, let body else { throw DeadLettersCommand.ServerOptions.fail(status, body) }
        let count = body["retried"]?.description ?? "0"
        print("\(self.server.tenant)/\(self.destination): backoff lifted, \(count) waiting retr\(count == "1" ? "y" : "ies") due now")
    }
}
