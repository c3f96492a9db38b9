/// Where an optional secret comes from, resolved only when it is used: inline text or an
/// environment variable. Unlike `SecretReference`, an unset variable is not a config error; the
/// feature it guards stays off instead (e.g. the admin API without `ROUTER_ADMIN_TOKEN`).
public enum SecretSource: Sendable, Equatable, Decodable, CustomStringConvertible {
    case inline(String)
    case environment(String)

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
            guard !text.isEmpty else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "must not be empty"))
            }
            self = .inline(text)
            return
        }
        guard let container = try? decoder.container(keyedBy: AnyCodingKey.self) else {
            throw DecodingError.typeMismatch(
                SecretSource.self,
                .init(codingPath: decoder.codingPath, debugDescription: "expected a string or {\"env\": \"VARIABLE\"}")
            )
        }
        try decoder.rejectUnknownKeys(["env"])
        self = .environment(try container.decode(String.self, forKey: AnyCodingKey("env")))
    }

    /// The secret, or nil when the variable is unset or empty.
    public func resolve(in environment: [String: String]) -> String? {
        switch self {
        case .inline(let value): value
        case .environment(let name): environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    public var description: String {
        switch self {
        case .inline: "<inline secret>"
        case .environment(let name): "$\(name)"
        }
    }
}
