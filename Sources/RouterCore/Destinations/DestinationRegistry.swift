import Foundation
import Synchronization

/// The destination modules the executable knows, by their `type` name.
///
/// Only the executable fills it, one `register` line per module, the way only `main`
/// bootstraps a log backend. `RouterCore` knows no destination by name.
public struct DestinationRegistry: Sendable {
    typealias Builder = @Sendable (JSONValue, [String: String], DestinationContext, SettingsMemo?) throws -> any Destination
    private var builders: [String: Builder] = [:]

    /// Creates an empty registry.
    public init() {}

    /// Adds a module. Registering one `type` twice is a programmer error.
    public mutating func register<Factory: DestinationFactory>(_: Factory.Type) {
        precondition(self.builders[Factory.type] == nil, "destination type \"\(Factory.type)\" registered twice")
        self.builders[Factory.type] = { settings, environment, context, memo in
            let collector = ConfigProblemCollector()
            var problems: [any Error & Sendable] = []
            var built: (any Destination)?
            let key = SettingsMemo.Key(type: Factory.type, settings: settings)
            do {
                let decode = { () throws -> (settings: Factory.Settings, keep: Bool) in
                    var decoder = JSONValueDecoder(environment: environment)
                    decoder.userInfo[.configProblems] = collector
                    let decoded = try decoder.decode(Factory.Settings.self, from: settings)
                    return (decoded, collector.recorded.isEmpty)
                }
                let decoded = try memo.map { try $0.settings(for: key, decode: decode) } ?? decode().settings
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
        try self.build(type: type, settings: settings, environment: environment, context: context, memo: nil)
    }

    /// `build`, decoding settings already decoded during the same load from `memo`.
    func build(
        type: String,
        settings: JSONValue,
        environment: [String: String],
        context: DestinationContext,
        memo: SettingsMemo?
    ) throws -> any Destination {
        guard let builder = self.builders[type] else {
            throw SettingsError(key: "type", message: "unknown destination type \"\(type)\"")
        }
        return try builder(settings, environment, context, memo)
    }
}

/// Settings blocks decoded during one load of the tenants folder, by type and text: tenants made
/// from one template (the same file path pattern, the same webhook) decode theirs once. Decoding
/// is a function of the text and the loader's environment alone, and only blocks that decoded
/// without a problem are kept; the module's `make` still runs for every destination.
final class SettingsMemo: Sendable {
    struct Key: Hashable, Sendable {
        let type: String
        /// The block as written: `1` and `1.0` are two keys (a value kept as JSON, like
        /// Segment's `integrations`, keeps its text).
        let settings: WrittenJSON

        init(type: String, settings: JSONValue) {
            self.type = type
            self.settings = WrittenJSON(value: settings)
        }
    }

    /// One slot per text; its lock is held while the first caller decodes, so callers with the
    /// same text on the loader's other lanes wait for that decode instead of repeating it.
    private final class Slot: Sendable {
        let decoded = Mutex<(any Sendable)?>(nil)
    }

    private let slots = Mutex<[Key: Slot]>([:])

    /// The settings decoded for `key`: remembered from an earlier call, or decoded now by
    /// `decode` and remembered when it says to keep them (a block that decoded without a
    /// problem). Blocks with a problem are decoded again by every caller, so each tenant
    /// reports its own.
    func settings<Settings: Sendable>(for key: Key, decode: () throws -> (settings: Settings, keep: Bool)) throws -> Settings {
        let slot = self.slots.withLock { slots in
            if let slot = slots[key] { return slot }
            let slot = Slot()
            slots[key] = slot
            return slot
        }
        return try slot.decoded.withLock { (remembered: inout (any Sendable)?) throws -> Settings in
            if let settings = remembered as? Settings { return settings }
            let (settings, keep) = try decode()
            if keep { remembered = settings }
            return settings
        }
    }
}
