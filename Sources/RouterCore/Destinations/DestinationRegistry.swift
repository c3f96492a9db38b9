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
            let collector = ConfigProblemCollector()
            let decoder = JSONDecoderFactory.make(environment: environment)
            decoder.userInfo[.configProblems] = collector
            var problems: [any Error & Sendable] = []
            var built: (any Destination)?
            do {
                let decoded = try decoder.decode(Factory.Settings.self, from: settings)
                // Unknown keys do not stop the module's own checks: both are listed.
                built = try Factory.make(decoded, context: context)
            } catch let errors as SettingsErrors {
                problems = errors.errors
            } catch let error as DecodingError {
                problems = [error]
            } catch let error as SettingsError {
                problems = [error]
            }
            problems = collector.recorded + problems
            guard problems.isEmpty, let built else { throw SettingsErrors(problems) }
            return built
        }
    }

    /// The registered type names, sorted.
    public var types: [String] { self.builders.keys.sorted() }

    /// True when a module is registered under `type`.
    public func contains(_ type: String) -> Bool { self.builders[type] != nil }

    /// Decodes `settings` for `type` and builds the destination.
    ///
    /// - Throws: `SettingsErrors` listing every problem found (unknown keys, values the decoder
    ///   refused, and what the module's `make` reported), or `SettingsError` for an unknown type.
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
