import ArgumentParser

/// The `retention-router` command line: `serve`, `validate` and `sign`.
@main
struct RetentionRouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention-router",
        abstract: "Routes Chargebee Retention events to Segment, webhooks and files, durably.",
        version: RouterVersion.current,
        subcommands: [ServeCommand.self, ValidateCommand.self, SignCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}

/// The version reported by `--version` and in `User-Agent` headers.
enum RouterVersion {
    static let current = "0.1.0"
}
