import ArgumentParser
import EventStorePostgres
import EventStoreSQLite
import Foundation
import Logging
import RouterCore
import RouterServer

/// `retention-router migrate`: brings the configured store's schema up to date and exits, for
/// operators who migrate before deploying (`serve` also migrates at startup).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the event store's schema, then exit.",
        discussion: """
            Applies every migration the configured store needs. With PostgreSQL the migrations run \
            in one transaction under an advisory lock, so running this while instances start is safe. \
            Exits 1 when the store cannot be reached (after a few attempts) or is newer than this router.
            """
    )

    @Option(name: .long, help: "The server config file.")
    var config = "config/router.json"

    @Option(name: .long, help: "How many times to try reaching PostgreSQL before giving up.")
    var attempts = 5

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration: ServerConfiguration
        do {
            configuration = try ConfigurationFile.loadServer(self.config, environment: environment)
        } catch {
            for problem in error.errors { print("error: \(problem)") }
            throw ExitCode(1)
        }
        var logger = Logger(label: "retention-router.migrate")
        logger.logLevel = .warning
        switch configuration.store {
        case .sqlite:
            let directory = RouterRuntime.resolve(configuration.dataDirectory, against: FileManager.default.currentDirectoryPath)
            do {
                let store = try SQLiteEventStore(directory: directory, logger: logger)
                print("SQLite store \(store.path) is up to date")
            } catch {
                print("error: \(error)")
                throw ExitCode(1)
            }
        case .postgres(let settings):
            do {
                do {
                    let store = try await PostgresEventStore(settings: settings, instanceID: "migrate", logger: logger, migrate: false, connectAttempts: self.attempts)
                    let status = try await PostgresMigrator.status(of: store)
                    await store.close()
                    print("PostgreSQL \(settings.url): schema is up to date (version \(status.applied))")
                } catch PostgresStoreError.schemaBehind(let applied, let latest) {
                    let store = try await PostgresEventStore(settings: settings, instanceID: "migrate", logger: logger, migrate: true, connectAttempts: self.attempts)
                    await store.close()
                    print("PostgreSQL \(settings.url): migrated the schema from version \(applied) to \(latest)")
                }
            } catch {
                print("error: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
