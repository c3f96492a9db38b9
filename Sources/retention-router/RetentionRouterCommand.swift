import ArgumentParser
import RouterCore

/// The `retention-router` command line: `serve`, `validate`, `migrate`, `sign`, `verify` and `dead-letters`.
@main
struct RetentionRouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention-router",
        abstract: "Routes Chargebee Retention events to Segment, webhooks and files, durably.",
        version: RouterIdentity.versionLine,
        subcommands: [ServeCommand.self, ValidateCommand.self, MigrateCommand.self, SignCommand.self, VerifyCommand.self, DeadLettersCommand.self, RetryNowCommand.self, PreviewCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}

