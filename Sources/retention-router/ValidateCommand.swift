import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOPosix
import RouterCore

/// `retention-router validate`: checks the config and prints every error with its file and path.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check router.json and every tenant file, or just the files given.",
        discussion: """
            With no FILE, checks the server config and every tenant in its tenants folder, exactly as \
            `serve` would load them. With FILEs, checks each one (a tenant file or a router.json). \
            Exits 1 when anything is wrong, after printing every problem as FILE: JSON.PATH: MESSAGE.
            """
    )

    @Option(name: .long, help: "The server config file.")
    var config = "config/router.json"

    @Argument(help: "Files to check one by one, e.g. config/examples/segment.json.")
    var files: [String] = []

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let base = FileManager.default.currentDirectoryPath
        var errors: [ConfigError] = []
        var checked: [String] = []
        // The server config decides whether private addresses are allowed; checking single files
        // uses it when it loads, and the safe default when it does not.
        let server: ServerConfiguration?
        do {
            server = try ConfigurationFile.loadServer(self.config, environment: environment)
        } catch {
            server = nil
            if self.files.isEmpty { errors += error.errors }
        }
        let loader = TenantLoader(registry: Destinations.registry, environment: environment) { tenant, destination in
            DestinationContext(
                tenant: tenant,
                destinationID: destination,
                logger: Logger(label: "retention-router.validate"),
                httpClient: .shared,
                threadPool: .singleton,
                baseDirectory: base,
                dataDirectory: base,
                allowPrivateAddresses: server?.allowPrivateAddresses ?? false
            )
        }
        if self.files.isEmpty {
            if let server {
                checked.append(self.config)
                let tenantsDirectory = server.tenantsDirectory.hasPrefix("/") ? server.tenantsDirectory : base + "/" + server.tenantsDirectory
                let result = loader.loadDirectory(tenantsDirectory)
                errors += result.errors.map { Self.relative($0, base: base) }
                checked += result.tenants.map { Self.relativePath($0.file, base: base) + " (tenant \($0.name), \($0.destinations.count) destination\($0.destinations.count == 1 ? "" : "s"))" }
            }
        } else {
            for file in self.files {
                if ConfigurationFile.isTenantFile(file) {
                    switch loader.loadFile(file, checkFileName: false) {
                    case .success(let tenant): checked.append("\(file) (tenant \(tenant.name), \(tenant.destinations.count) destination\(tenant.destinations.count == 1 ? "" : "s"))")
                    case .failure(let failure): errors += failure.errors
                    }
                } else {
                    do {
                        _ = try ConfigurationFile.loadServer(file, environment: environment)
                        checked.append(file)
                    } catch {
                        errors += error.errors
                    }
                }
            }
        }
        for file in checked {
            print("ok: \(file)")
        }
        for error in errors {
            print("error: \(error)")
        }
        if !errors.isEmpty {
            print("\(errors.count) problem\(errors.count == 1 ? "" : "s") found")
            throw ExitCode(1)
        }
    }

    private static func relative(_ error: ConfigError, base: String) -> ConfigError {
        var error = error
        error.file = Self.relativePath(error.file, base: base)
        return error
    }

    private static func relativePath(_ path: String, base: String) -> String {
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
