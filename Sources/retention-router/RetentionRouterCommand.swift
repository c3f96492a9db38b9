import ArgumentParser
import RouterCore

/// The `retention-router` command line: `serve`, `validate` and `sign`.
@main
struct RetentionRouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention-router",
        abstract: "Routes Chargebee Retention events to Segment, webhooks and files, durably.",
        version: RouterIdentity.version,
        subcommands: [ServeCommand.self, ValidateCommand.self, SignCommand.self, VerifyCommand.self, DeadLettersCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}

