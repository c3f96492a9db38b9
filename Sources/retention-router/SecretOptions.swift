import ArgumentParser
import Foundation
import Signing

/// The `--scheme`, `--secret` and `--secret-env` options shared by `sign` and `verify`.
struct SecretOptions: ParsableArguments {
    /// The scheme `sign` uses, and `verify` when the headers do not say: the shipped demo tenant's.
    static let defaultScheme = SignatureScheme.xHubSignature

    @Option(name: .long, help: "x-hub-signature, x-hub-signature-256 or standard-webhooks (default: x-hub-signature, as the demo tenant; verify reads it from the headers when it can).")
    var scheme: String?

    @Option(name: .long, help: "A secret (repeat for several during rotation).")
    var secret: [String] = []

    @Option(name: .long, help: "Read a secret from this environment variable instead.")
    var secretEnv: String?

    /// The scheme and the keys the options name, or a usage error saying what is wrong.
    func resolve(defaultScheme: SignatureScheme) throws -> (SignatureScheme, [SigningKey]) {
        guard let scheme = self.scheme.map(SignatureScheme.init(rawValue:)) ?? defaultScheme else {
            throw ValidationError("--scheme must be one of \(SignatureScheme.names)")
        }
        var secrets = self.secret
        if let name = self.secretEnv {
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw ValidationError("the environment variable \(name) is not set")
            }
            secrets.append(value)
        }
        guard !secrets.isEmpty else { throw ValidationError("give --secret or --secret-env") }
        let keys = try secrets.map { secret in
            do {
                return try SigningKey(secret: secret, scheme: scheme)
            } catch let error as SigningKeyError {
                throw ValidationError("--secret: \(error.message)")
            }
        }
        return (scheme, keys)
    }
}
