import Foundation

/// Makes the `JSONDecoder` every config file and settings block is decoded with, carrying the
/// environment that secret references resolve against.
public enum JSONDecoderFactory {
    /// A decoder whose `SecretReference`s resolve against `environment`.
    public static func make(environment: [String: String]) -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.userInfo[.configEnvironment] = environment
        return decoder
    }
}
