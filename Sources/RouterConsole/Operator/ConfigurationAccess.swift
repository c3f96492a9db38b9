import RouterCore

/// How the operator reaches the configuration on disk: check the tenants folder as it is now,
/// and apply it when every file is valid (all or nothing; the running one stays otherwise).
public struct ConfigurationAccess: Sendable {
    /// The tenants folder reloads read.
    public var folder: String
    /// Every problem the folder has now, each with its file and JSON path; empty when valid.
    public var validate: @Sendable () async -> [ConfigError]
    /// Loads the folder and applies it when valid.
    public var reload: @Sendable () async -> Result<ReloadSummary, ConfigErrors>

    /// Creates the access.
    public init(
        folder: String,
        validate: @escaping @Sendable () async -> [ConfigError],
        reload: @escaping @Sendable () async -> Result<ReloadSummary, ConfigErrors>
    ) {
        self.folder = folder
        self.validate = validate
        self.reload = reload
    }
}
