import Foundation

/// The destination modules the executable knows, by their `type` name.
///
/// Only the executable fills it, one `register` line per module, the way only `main`
/// bootstraps a log backend. `RouterCore` knows no destination by name.
public struct DestinationRegistry: Sendable {
    typealias Builder = @Sendable (Data, [String: String], DestinationContext) throws -> any Destination
    private var builders: [String: Builder] = [:]

    /// Creates an empty registry.
    public init() {}

    /// Adds a module. Registering one `type` twice is a programmer error.
    public mutating func register<Factory: DestinationFactory>(_: Factory.Type) {
        precondition(self.builders[Factory.type] == nil, "destination type \"\(Factory.type)\" registered twice")
        self.builders[Factory.type] = { settings, environment, context in
            let decoded = try JSONDecoderFactory.make(environment: environment).decode(Factory.Settings.self, from: settings)
            return try Factory.make(decoded, context: context)
        }
    }

    /// The registered type names, sorted.
    public var types: [String] { self.builders.keys.sorted() }

    /// True when a module is registered under `type`.
    public func contains(_ type: String) -> Bool { self.builders[type] != nil }

    /// Decodes `settings` for `type` and builds the destination.
    ///
    /// - Throws: `DecodingError` or `SettingsError` from the module; nothing when `type` is
    ///   registered and the settings are valid.
    public func build(
        type: String,
        settings: JSONValue,
        environment: [String: String],
        context: DestinationContext
    ) throws -> any Destination {
        guard let builder = self.builders[type] else {
            throw SettingsError(key: "type", message: "unknown destination type \"\(type)\"")
        }
        return try builder(Data(JSONWriter.serialize(settings)), environment, context)
    }
}
