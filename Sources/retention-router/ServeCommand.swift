import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RouterCore
import RouterServer

/// `retention-router serve`: runs the server until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Start the server on a config (default config/router.json)."
    )

    @Option(name: .long, help: "The server config file.")
    var config = "config/router.json"

    @Option(name: .long, help: "Listen on this port instead of the one in the config (0 picks a free one).")
    var port: Int?

    @Option(name: .long, help: "Listen on this address instead of the one in the config.")
    var host: String?

    @Option(name: .long, help: "This instance's name in a shared store's partition leases (default HOST-PID-RANDOM).")
    var instanceID: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: self.logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "retention-router")
        let environment = ProcessInfo.processInfo.environment
        do {
            var configuration = try ConfigurationFile.loadServer(self.config, environment: environment)
            if let port = self.port {
                guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
                configuration.listen.port = port
            }
            if let host = self.host { configuration.listen.host = host }
            if let instanceID = self.instanceID, instanceID.isEmpty || instanceID.count > 200 {
                throw ValidationError("--instance-id must be 1 to 200 characters")
            }
            let application = try await RouterRuntime.buildApplication(
                configuration: configuration,
                registry: Destinations.registry,
                options: .init(
                    baseDirectory: FileManager.default.currentDirectoryPath,
                    environment: environment,
                    logger: logger,
                    instanceID: self.instanceID
                )
            )
            try await application.runService()
        } catch let errors as ConfigErrors {
            for error in errors.errors {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
            FileHandle.standardError.write(Data("retention-router: refusing to start; fix the configuration above (check it with `retention-router validate`)\n".utf8))
            throw ExitCode(1)
        }
    }
}
