import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOPosix
import RouterCore

/// `retention-router preview --tenant T --destination D EVENT.json`: prints exactly what one
/// destination would send for an event, transform applied, without sending anything.
struct PreviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Print what a destination would send for an event, without sending it.",
        discussion: """
            Reads the tenant's file from the config folder as it is on disk now (no server needed), \
            decodes EVENT.json as ingest would (one event or {"batch": [...]}), applies the \
            destination's events list and transform, and prints the Segment batch body, the webhook \
            request with its headers and signature, or the file lines. Secrets are shown as ••••.
            """
    )

    @Option(name: .long, help: "The server config file.")
    var config = "config/router.json"

    @Option(name: .long, help: "The tenant whose file to read.")
    var tenant: String

    @Option(name: .long, help: "The destination id in the tenant's file.")
    var destination: String

    @Option(name: .long, help: "The time to preview at (ISO 8601), for sentAt and signatures; default now.")
    var at: String?

    @Flag(name: .long, help: "Print the report as JSON instead of wire text.")
    var json = false

    @Argument(help: "The event body, as a source would POST it; '-' reads standard input.")
    var event: String

    func run() async throws {
        try await Self.reportingUsage { try self.perform() }
    }

    private func perform() throws {
        let environment = ProcessInfo.processInfo.environment
        let base = FileManager.default.currentDirectoryPath
        var now = Timestamp.now()
        if let at = self.at {
            guard let parsed = Timestamp(iso8601: at) else { throw ValidationError("--at \(at) is not an ISO 8601 time such as 2026-01-31T12:00:00Z") }
            now = parsed
        }
        let server: ServerConfiguration
        do {
            server = try ConfigurationFile.loadServer(self.config, environment: environment)
        } catch {
            throw Self.fail(error.errors.map { "error: \($0)" }.joined(separator: "\n"))
        }
        let loader = TenantLoader(registry: Destinations.registry, environment: environment) { tenant, destination in
            DestinationContext(
                tenant: tenant,
                destinationID: destination,
                logger: Logger(label: "retention-router.preview"),
                httpClient: .shared,
                threadPool: .singleton,
                baseDirectory: base,
                dataDirectory: base,
                allowPrivateAddresses: server.allowPrivateAddresses
            )
        }
        guard Identifier.isValid(self.tenant) else { throw ValidationError("--tenant \"\(self.tenant)\" must be 1 to 64 letters, digits, '-' or '_'") }
        let tenantsDirectory = server.tenantsDirectory.hasPrefix("/") ? server.tenantsDirectory : base + "/" + server.tenantsDirectory
        let tenant: TenantConfiguration
        switch loader.loadFile(tenantsDirectory + "/" + self.tenant + ".json") {
        case .success(let loaded): tenant = loaded
        case .failure(let failure): throw Self.fail(failure.errors.map { "error: \($0)" }.joined(separator: "\n"))
        }
        guard let destination = tenant.destinations.first(where: { $0.id == self.destination }) else {
            let known = tenant.destinations.map(\.id).joined(separator: ", ")
            throw Self.fail("error: tenant \(tenant.name) has no destination \"\(self.destination)\"; it has \(known.isEmpty ? "none" : known)")
        }
        let body = self.event == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Self.readFile(self.event, option: "EVENT")
        let events: [RetentionEvent]
        do {
            events = try IngestDecoder(limits: IngestLimits(maxBatchEvents: server.maxBatchEvents))
                .decode(Array(body), tenant: tenant.name, receivedAt: now)
        } catch {
            throw Self.fail("error: \(self.event): \(error.field.map { "\($0): " } ?? "")\(error.message)")
        }
        let report = PreviewReport(tenant: tenant, destination: destination, events: events, now: now)
        if self.json {
            print(String(decoding: JSONWriter.serialize(report.json), as: UTF8.self))
        } else {
            print(report.text, terminator: "")
        }
    }

    /// Prints a problem with the input files (not with the command line) and ends with status 1.
    private static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        return ExitCode(1)
    }
}
