import Foundation
import RouterCore

/// Reads `router.json`, turning every problem into a `ConfigError` that names the file.
enum ConfigurationFile {
    static func loadServer(_ file: String, environment: [String: String]) throws(ConfigErrors) -> ServerConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ConfigErrors([ConfigError(code: .unreadableFile, file: file, path: "", message: "cannot read the file; pass --config PATH to use another")])
        }
        do {
            _ = try JSONParser.parse(data)
        } catch {
            throw ConfigErrors([ConfigError(code: .malformedJSON, file: file, path: "", message: error.description)])
        }
        do {
            return try JSONDecoderFactory.make(environment: environment).decode(ServerConfiguration.self, from: data)
        } catch let error as DecodingError {
            throw ConfigErrors([ConfigError(decoding: error, file: file, prefix: "")])
        } catch {
            throw ConfigErrors([ConfigError(code: .invalidValue, file: file, path: "", message: "\(error)")])
        }
    }

    /// True when a file's top level looks like a tenant (it has `destinations` or `ingest`).
    static func isTenantFile(_ file: String) -> Bool {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: file)),
            case .object(let members)? = try? JSONParser.parse(data)
        else { return false }
        return members["destinations"] != nil || members["ingest"] != nil
    }
}
