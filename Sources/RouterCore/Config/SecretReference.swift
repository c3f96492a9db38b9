/// A secret written in config either inline (`"demo-secret"`) or as a reference to an
/// environment variable (`{"env": "ACME_SEGMENT_KEY"}`), resolved when the config is loaded.
///
/// Its description never shows the value.
public struct SecretReference: Sendable, Hashable, Decodable, CustomStringConvertible {
    /// Where the value came from.
    public enum Source: Sendable, Hashable {
        case inline
        case environment(String)
    }

    /// The resolved secret.
    public let value: String
    /// Where it came from.
    public let source: Source

    /// Creates a resolved secret.
    public init(value: String, source: Source) {
        self.value = value
        self.source = source
    }

    public init(from decoder: any Decoder) throws {
        switch try SecretSource(from: decoder) {
        case .inline(let text):
            self.init(value: text, source: .inline)
        case .environment(let name):
            let environment = decoder.userInfo[.configEnvironment] as? [String: String] ?? [:]
            guard let value = environment[name], !value.isEmpty else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath + [AnyCodingKey("env")],
                        debugDescription: "the environment variable \(name) is not set"
                    )
                )
            }
            self.init(value: value, source: .environment(name))
        }
    }

    public var description: String {
        switch self.source {
        case .inline: "<inline secret>"
        case .environment(let name): "<secret from $\(name)>"
        }
    }
}

extension CodingUserInfoKey {
    /// The environment (`[String: String]`) that `SecretReference` resolves variables against.
    public static let configEnvironment: CodingUserInfoKey = {
        guard let key = CodingUserInfoKey(rawValue: "retention-router.environment") else {
            preconditionFailure("a constant, valid key")
        }
        return key
    }()
}
