/// Builds one kind of destination from its `settings` block in tenant JSON.
///
/// A module registers its factory once in the executable:
/// `registry.register(FileDestinationFactory.self)`.
public protocol DestinationFactory: Sendable {
    /// The settings block, decoded strictly: unknown keys are errors (see `rejectUnknownKeys`).
    associatedtype Settings: Decodable & Sendable
    /// The `type` in tenant JSON: a lowercase noun named after the service, e.g. `"segment"`.
    static var type: String { get }
    /// Validates settings and builds the destination.
    ///
    /// - Throws: `SettingsError` (or a `DecodingError`) naming the setting at fault.
    static func make(_ settings: Settings, context: DestinationContext) throws -> any Destination
}

/// A setting that decoded but is not acceptable, e.g. a URL with the wrong scheme.
public struct SettingsError: Error, Sendable, CustomStringConvertible {
    /// The setting's path inside `settings`, e.g. `endpoint` or `headers.Authorization`.
    public var key: String
    /// What is wrong and what is expected.
    public var message: String

    /// Creates an error for one setting.
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "\(self.key): \(self.message)" }
}
