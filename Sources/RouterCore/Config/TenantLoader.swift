import Foundation
import Signing

/// Reads and validates tenant files, collecting every error instead of stopping at the first.
public struct TenantLoader: Sendable {
    /// Builds the context a destination gets, from its tenant and id.
    public typealias ContextProvider = @Sendable (_ tenant: String, _ destinationID: String) -> DestinationContext

    /// The destination modules available.
    public var registry: DestinationRegistry
    /// The environment secret references resolve against.
    public var environment: [String: String]
    /// Supplies each destination's context.
    public var context: ContextProvider

    /// Creates a loader.
    public init(registry: DestinationRegistry, environment: [String: String], context: @escaping ContextProvider) {
        self.registry = registry
        self.environment = environment
        self.context = context
    }

    /// Loads every `*.json` file in `directory`, sorted by name, and checks what spans tenants:
    /// no two destinations write one file (`sharedFileErrors`).
    ///
    /// - Returns: the valid tenants and the errors of the invalid ones.
    public func loadDirectory(_ directory: String) -> (tenants: [TenantConfiguration], errors: [ConfigError]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            return ([], [ConfigError(code: .unreadableFile, file: directory, path: "", message: "cannot list the tenants folder: \(Self.reason(error))")])
        }
        var tenants: [TenantConfiguration] = []
        var errors: [ConfigError] = []
        for name in names {
            let file = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            switch self.loadFile(file) {
            case .success(let tenant): tenants.append(tenant)
            case .failure(let failure): errors.append(contentsOf: failure.errors)
            }
        }
        errors.append(contentsOf: Self.sharedFileErrors(tenants))
        return (tenants, errors)
    }

    /// Loads one tenant file. The tenant's `name` must match the file name without `.json`
    /// unless `expectedName` is nil (checking a file outside the tenants folder).
    public func loadFile(_ file: String, checkFileName: Bool = true) -> Result<TenantConfiguration, ConfigErrors> {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            return .failure(ConfigErrors([ConfigError(code: .unreadableFile, file: file, path: "", message: "cannot read the file: \(Self.reason(error))")]))
        }
        let expected: String? = checkFileName ? String((file as NSString).lastPathComponent.dropLast(".json".count)) : nil
        return self.load(data, file: file, expectedName: expected)
    }

    /// Validates tenant JSON from memory (e.g. an API upload).
    public func load(_ data: Data, file: String, expectedName: String?) -> Result<TenantConfiguration, ConfigErrors> {
        let document: JSONValue
        do {
            document = try JSONParser.parse(data)
        } catch {
            let (line, column) = Self.lineAndColumn(of: error.offset, in: data)
            return .failure(ConfigErrors([ConfigError(code: .malformedJSON, file: file, path: "", message: "line \(line), column \(column): \(error.message)")]))
        }
        var walker = TenantFileWalker(file: file, loader: self)
        let tenant = walker.tenant(document, expectedName: expectedName)
        if let tenant, walker.errors.isEmpty { return .success(tenant) }
        return .failure(ConfigErrors(walker.errors))
    }

    static func lineAndColumn(of offset: Int, in data: Data) -> (Int, Int) {
        var line = 1
        var column = 1
        for byte in data.prefix(offset) {
            if byte == 0x0a {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    static func reason(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError, let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError {
            return underlying.localizedDescription
        }
        return (error as NSError).localizedDescription
    }
}
