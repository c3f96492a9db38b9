import Foundation
import RouterCore
import Signing

/// The running configuration as an operator may see it: every tenant and destination as
/// loaded, with each secret shown as `••••` and only where it comes from (an environment
/// variable's name, or "inline").
public struct ConfigurationView: Sendable {
    /// One tenant.
    public struct Tenant: Sendable {
        public var name: String
        public var description: String?
        public var file: String
        public var scheme: String
        /// The ingest secrets, as `•••• (env NAME)` or `•••• (inline)`.
        public var secrets: [String]
        public var rateLimit: String?
        public var maskProperties: [String]
        public var destinations: [Destination]
    }

    /// One destination.
    public struct Destination: Sendable {
        public var id: String
        public var type: String
        public var events: String
        /// The settings block, secrets masked, indented.
        public var settings: String
        /// The transform steps as written, indented; nil when it has none.
        public var transform: String?
    }

    /// Every tenant, sorted by name.
    public var tenants: [Tenant]

    /// Describes `tenants`.
    public init(_ tenants: [TenantConfiguration]) {
        self.tenants = tenants.sorted { $0.name < $1.name }.map { tenant in
            Tenant(
                name: tenant.name,
                description: tenant.description,
                file: tenant.file,
                scheme: tenant.ingest.scheme.rawValue,
                secrets: tenant.ingest.secrets.map { Self.shown($0.source) },
                rateLimit: tenant.rateLimit.map { "\(Self.number($0.eventsPerSecond)) events/s, burst \($0.burst)" },
                maskProperties: tenant.mask.patterns.map(\.text),
                destinations: tenant.destinations.map { configured in
                    Destination(
                        id: configured.id,
                        type: configured.type,
                        events: configured.events.map { $0.map(\.rawValue).sorted().joined(separator: ", ") } ?? "all",
                        settings: PrettyJSON.format(JSONWriter.serialize(Self.masked(configured.settings, secret: false))),
                        transform: configured.transform.map { PrettyJSON.format(JSONWriter.serialize($0.source)) }
                    )
                }
            )
        }
    }

    /// How a secret is shown: never its value, only where it comes from.
    static func shown(_ source: SecretReference.Source) -> String {
        switch source {
        case .inline: "•••• (inline)"
        case .environment(let name): "•••• (env \(name))"
        }
    }

    /// Names of settings whose values are secrets (compared lowercased, as parts of the name).
    static let secretNameParts = ["secret", "key", "token", "password", "authorization", "credential"]

    /// `value` with every secret masked: values under secret-like names and every header value.
    /// A `{"env": NAME}` reference keeps its name; a URL keeps everything but its user info.
    static func masked(_ value: JSONValue, secret: Bool) -> JSONValue {
        switch value {
        case .object(let members):
            if members.count == 1, case .string(let name)? = members["env"] {
                return .string("•••• (env \(name))")
            }
            var masked: [String: JSONValue] = [:]
            for (name, member) in members {
                let lowered = name.lowercased()
                let isSecret = secret || lowered == "headers" || Self.secretNameParts.contains { lowered.contains($0) }
                masked[name] = Self.masked(member, secret: isSecret)
            }
            return .object(masked)
        case .array(let items):
            return .array(items.map { Self.masked($0, secret: secret) })
        case .string(let text):
            if secret { return .string("•••• (inline)") }
            return .string(Self.withoutUserInfo(text))
        case .number, .bool, .null:
            return secret ? .string("•••• (inline)") : value
        }
    }

    /// A URL's `user:password@` part masked; any other text as it is.
    static func withoutUserInfo(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return text }
        return String(text[..<scheme.upperBound]) + "••••" + String(rest[at...])
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
