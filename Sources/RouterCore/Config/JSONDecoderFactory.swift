import Foundation

/// Makes the `JSONDecoder` config decoding uses, with the environment for secret references.
enum JSONDecoderFactory {
    static func make(environment: [String: String]) -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.userInfo[.configEnvironment] = environment
        return decoder
    }
}
