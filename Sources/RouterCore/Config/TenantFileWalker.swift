import Foundation
import Signing

/// Walks one parsed tenant file, recording an error for every problem with its JSON path.
struct TenantFileWalker {
    let file: String
    let loader: TenantLoader
    /// The tenant the same file built in the previous load, whose destinations are reused where
    /// their type and settings did not change (a reload where a description changed does not
    /// decode and build every destination again).
    let previous: TenantConfiguration?
    private(set) var errors: [ConfigError] = []

    init(file: String, loader: TenantLoader, previous: TenantConfiguration? = nil) {
        self.file = file
        self.loader = loader
        self.previous = previous
    }

    mutating func fail(_ code: ConfigError.Code, _ path: String, _ message: String) {
        self.errors.append(ConfigError(code: code, file: self.file, path: path, message: message))
    }

    mutating func rejectUnknown(_ members: [String: JSONValue], allowed: [String], path: String) {
        for key in members.keys.sorted() where !allowed.contains(key) {
            let keyPath = path.isEmpty ? key : path + "." + key
            self.fail(.unknownKey, keyPath, "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
        }
    }

    mutating func tenant(_ document: JSONValue, expectedName: String?) -> TenantConfiguration? {
        guard case .object(let root) = document else {
            self.fail(.wrongType, "", "a tenant file holds one JSON object; found \(document.typeName)")
            return nil
        }
        self.rejectUnknown(root, allowed: ["name", "description", "ingest", "destinations", "rateLimit", "console"], path: "")
        let name = self.name(root["name"], expectedName: expectedName)
        var description: String?
        switch root["description"] {
        case nil: break
        case .string(let text)?: description = text
        case let other?: self.fail(.wrongType, "description", "expected a string; found \(other.typeName)")
        }
        let ingest = self.ingest(root["ingest"])
        let destinations = self.destinations(root["destinations"], tenant: name ?? expectedName ?? "tenant")
        let rateLimit = self.rateLimit(root["rateLimit"])
        let mask = self.consoleMask(root["console"])
        // A rateLimit or console error is recorded in `errors`, which fails the load on its own.
        guard let name, let ingest, let destinations else { return nil }
        var tenant = TenantConfiguration(
            name: name,
            description: description,
            ingest: ingest,
            destinations: destinations,
            rateLimit: rateLimit,
            file: self.file
        )
        tenant.mask = mask
        return tenant
    }

    /// The optional `console` block: `{"maskProperties": ["field.cancel.email", "survey.*"]}`.
    private mutating func consoleMask(_ value: JSONValue?) -> PropertyMask {
        guard let value, value != .null else { return .none }
        guard case .object(let members) = value else {
            self.fail(.wrongType, "console", "expected an object such as {\"maskProperties\": [\"field.cancel.email\"]}; found \(value.typeName)")
            return .none
        }
        self.rejectUnknown(members, allowed: ["maskProperties"], path: "console")
        guard let list = members["maskProperties"] else { return .none }
        return PropertyMask(self.patterns(list, path: "console.maskProperties") ?? [])
    }

    /// The optional `rateLimit` block; nil when absent or invalid (then an error is recorded).
    private mutating func rateLimit(_ value: JSONValue?) -> TenantConfiguration.RateLimit? {
        guard let value, value != .null else { return nil }
        guard case .object(let members) = value else {
            self.fail(.wrongType, "rateLimit", "expected an object such as {\"eventsPerSecond\": 100, \"burst\": 200}; found \(value.typeName)")
            return nil
        }
        self.rejectUnknown(members, allowed: ["eventsPerSecond", "burst"], path: "rateLimit")
        guard case .number(let rate)? = members["eventsPerSecond"], (0.001...1_000_000).contains(rate.doubleValue) else {
            self.fail(.invalidValue, "rateLimit.eventsPerSecond", "is required: events per second from 0.001 to 1000000, e.g. 100")
            return nil
        }
        var burst = max(Int(rate.doubleValue.rounded(.up)), 1)
        if let burstValue = members["burst"] {
            guard case .number(let number) = burstValue, let whole = number.int64Value, (1...100_000_000).contains(whole) else {
                self.fail(.invalidValue, "rateLimit.burst", "must be a whole number of events from 1 to 100000000, e.g. 200")
                return nil
            }
            burst = Int(whole)
        }
        return TenantConfiguration.RateLimit(eventsPerSecond: rate.doubleValue, burst: burst)
    }

    private mutating func name(_ value: JSONValue?, expectedName: String?) -> String? {
        guard let value else {
            self.fail(.missingKey, "name", "is required: the tenant's name, e.g. \"\(expectedName ?? "acme")\"")
            return nil
        }
        guard case .string(let name) = value else {
            self.fail(.wrongType, "name", "expected a string; found \(value.typeName)")
            return nil
        }
        guard Identifier.isValid(name) else {
            self.fail(.invalidValue, "name", "\"\(name)\" must be 1 to 64 letters, digits, '-' or '_'")
            return nil
        }
        if let expectedName, expectedName != name {
            self.fail(.invalidValue, "name", "is \"\(name)\" but the file is named \(expectedName).json; rename one so they match")
            return nil
        }
        return name
    }

    private mutating func ingest(_ value: JSONValue?) -> TenantConfiguration.Ingest? {
        guard let value else {
            self.fail(.missingKey, "ingest", "is required, e.g. {\"scheme\": \"x-hub-signature\", \"secrets\": [{\"env\": \"ACME_INGEST_SECRET\"}]}")
            return nil
        }
        guard case .object(let members) = value else {
            self.fail(.wrongType, "ingest", "expected an object; found \(value.typeName)")
            return nil
        }
        self.rejectUnknown(members, allowed: ["scheme", "secrets"], path: "ingest")
        var scheme: SignatureScheme?
        switch members["scheme"] {
        case nil:
            self.fail(.missingKey, "ingest.scheme", "is required: one of \(SignatureScheme.names)")
        case .string(let text)?:
            scheme = SignatureScheme(rawValue: text)
            if scheme == nil { self.fail(.invalidValue, "ingest.scheme", "\"\(text)\" is not a scheme; expected one of \(SignatureScheme.names)") }
        case let other?:
            self.fail(.wrongType, "ingest.scheme", "expected a string; found \(other.typeName)")
        }
        guard case .array(let items)? = members["secrets"] else {
            if let other = members["secrets"] {
                self.fail(.wrongType, "ingest.secrets", "expected an array of secrets; found \(other.typeName)")
            } else {
                self.fail(.missingKey, "ingest.secrets", "is required: a list of secrets, e.g. [{\"env\": \"ACME_INGEST_SECRET\"}]")
            }
            return nil
        }
        guard !items.isEmpty else {
            self.fail(.invalidValue, "ingest.secrets", "must hold at least one secret")
            return nil
        }
        var secrets: [SecretReference] = []
        var keys: [SigningKey] = []
        for (index, item) in items.enumerated() {
            let path = "ingest.secrets[\(index)]"
            guard let secret = self.secret(item, path: path) else { continue }
            secrets.append(secret)
            guard let scheme else { continue }
            do {
                keys.append(try SigningKey(secret: secret.value, scheme: scheme))
            } catch {
                self.fail(.invalidValue, path, error.message)
            }
        }
        guard let scheme, keys.count == items.count else { return nil }
        return .init(scheme: scheme, secrets: secrets, verifier: SignatureVerifier(scheme: scheme, keys: keys))
    }

    private mutating func secret(_ value: JSONValue, path: String) -> SecretReference? {
        // The two valid shapes directly; anything else through the decoder, for its errors.
        switch value {
        case .string(let text) where !text.isEmpty:
            return SecretReference(value: text, source: .inline)
        case .object(let members) where members.count == 1:
            if case .string(let name)? = members["env"], let resolved = self.loader.environment[name], !resolved.isEmpty {
                return SecretReference(value: resolved, source: .environment(name))
            }
        default:
            break
        }
        do {
            return try self.loader.decode(SecretReference.self, from: value)
        } catch let error as DecodingError {
            self.errors.append(ConfigError(decoding: error, file: self.file, prefix: path))
        } catch {
            self.fail(.invalidValue, path, "\(error)")
        }
        return nil
    }

    private mutating func destinations(_ value: JSONValue?, tenant: String) -> [ConfiguredDestination]? {
        guard let value else {
            self.fail(.missingKey, "destinations", "is required: a list of destinations (it may be empty)")
            return nil
        }
        guard case .array(let items) = value else {
            self.fail(.wrongType, "destinations", "expected an array; found \(value.typeName)")
            return nil
        }
        var built: [ConfiguredDestination] = []
        var seen: Set<String> = []
        var failed = false
        for (index, item) in items.enumerated() {
            let path = "destinations[\(index)]"
            if case .string(let id)? = item["id"], !seen.insert(id).inserted {
                self.fail(.duplicate, path + ".id", "\"\(id)\" is used by another destination of this tenant")
                failed = true
                continue
            }
            guard let destination = self.destination(item, path: path, tenant: tenant) else {
                failed = true
                continue
            }
            built.append(destination)
        }
        return failed ? nil : built
    }

    private mutating func destination(_ value: JSONValue, path: String, tenant: String) -> ConfiguredDestination? {
        guard case .object(let members) = value else {
            self.fail(.wrongType, path, "expected an object with id, type and settings; found \(value.typeName)")
            return nil
        }
        self.rejectUnknown(members, allowed: ["id", "type", "events", "transform", "settings"], path: path)
        var id: String?
        switch members["id"] {
        case nil: self.fail(.missingKey, path + ".id", "is required: letters, digits, '-' or '_', e.g. \"segment-prod\"")
        case .string(let text)? where Identifier.isValid(text): id = text
        case .string(let text)?: self.fail(.invalidValue, path + ".id", "\"\(text)\" must be 1 to 64 letters, digits, '-' or '_'")
        case let other?: self.fail(.wrongType, path + ".id", "expected a string; found \(other.typeName)")
        }
        var type: String?
        switch members["type"] {
        case nil:
            self.fail(.missingKey, path + ".type", "is required: one of \(self.loader.registry.types.joined(separator: ", "))")
        case .string(let text)? where self.loader.registry.contains(text): type = text
        case .string(let text)?:
            self.fail(.unknownDestinationType, path + ".type", "\"\(text)\" is not a destination type; expected one of \(self.loader.registry.types.joined(separator: ", "))")
        case let other?: self.fail(.wrongType, path + ".type", "expected a string; found \(other.typeName)")
        }
        var events: Set<RetentionEventType>?
        var eventsValid = true
        switch members["events"] {
        case nil, .null?: break
        case .array(let items)?:
            var set: Set<RetentionEventType> = []
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item, let eventType = RetentionEventType(rawValue: text) else {
                    self.fail(.invalidValue, path + ".events[\(index)]", "expected one of \(RetentionEventType.names)")
                    eventsValid = false
                    continue
                }
                set.insert(eventType)
            }
            if items.isEmpty {
                self.fail(.invalidValue, path + ".events", "must list at least one event type; leave it out to take every event")
                eventsValid = false
            }
            events = set
        case let other?:
            self.fail(.wrongType, path + ".events", "expected an array of event types; found \(other.typeName)")
            eventsValid = false
        }
        let settings = members["settings"] ?? .object([:])
        guard case .object = settings else {
            self.fail(.wrongType, path + ".settings", "expected an object; found \(settings.typeName)")
            return nil
        }
        var transform: DestinationTransform?
        var transformValid = true
        if let value = members["transform"], value != .null {
            transform = self.transform(value, path: path + ".transform", routed: eventsValid ? events : nil)
            transformValid = transform != nil
            // An empty list is no transform at all.
            if transform?.steps.isEmpty == true { transform = nil }
        }
        guard let id, let type, eventsValid, transformValid else { return nil }
        do {
            let destination = try self.unchangedDestination(id: id, type: type, settings: settings)
                ?? self.loader.registry.build(
                    type: type,
                    settings: settings,
                    environment: self.loader.environment,
                    context: self.loader.context(tenant, id),
                    memo: self.loader.settingsMemo
                )
            return ConfiguredDestination(
                id: id,
                type: type,
                events: events,
                transform: transform,
                settings: settings,
                destination: transform.map { TransformingDestination(destination, transform: $0) } ?? destination
            )
        } catch let errors as SettingsErrors {
            for error in errors.errors { self.settingsProblem(error, path: path) }
        } catch {
            self.settingsProblem(error, path: path)
        }
        return nil
    }
}

extension TenantFileWalker {
    /// The module's destination the previous load of this file built for `id`, when its type
    /// and settings are the same: the same settings text with the loader's fixed environment
    /// builds the same destination (an immutable value), so it is shared rather than rebuilt.
    /// A transform is not part of it: the walker wraps the module's destination anew.
    fileprivate func unchangedDestination(id: String, type: String, settings: JSONValue) -> (any Destination)? {
        guard let previous = self.previous?.destinations.first(where: { $0.id == id }),
            previous.type == type, previous.settings.isWrittenAlike(settings)
        else { return nil }
        return (previous.destination as? TransformingDestination)?.inner ?? previous.destination
    }

    /// Records one problem of a destination's settings under its JSON path.
    fileprivate mutating func settingsProblem(_ error: any Error, path: String) {
        switch error {
        case let error as DecodingError:
            self.errors.append(ConfigError(decoding: error, file: self.file, prefix: path + ".settings"))
        case let error as SettingsError:
            self.fail(.invalidValue, path + ".settings." + error.key, error.message)
        default:
            self.fail(.invalidValue, path + ".settings", "\(error)")
        }
    }
}

extension TenantLoader {
    /// Decodes a `Decodable` from a parsed JSON value with this loader's environment.
    func decode<T: Decodable>(_: T.Type, from value: JSONValue) throws -> T {
        try JSONValueDecoder(environment: self.environment).decode(T.self, from: value)
    }
}
