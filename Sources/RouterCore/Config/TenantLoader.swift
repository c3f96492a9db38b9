#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Signing
import Synchronization

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
    /// When set, `loadDirectory` reuses the tenants of files whose bytes did not change since
    /// its last load instead of building them again (the server's reloads).
    public var cache: TenantFileCache?

    /// Creates a loader.
    public init(registry: DestinationRegistry, environment: [String: String], context: @escaping ContextProvider) {
        self.registry = registry
        self.environment = environment
        self.context = context
    }

    /// Loads every `*.json` file in `directory`, sorted by name, and checks what spans tenants:
    /// no two destinations write one file (`sharedFileErrors`). Files are read and built on
    /// every processor at once; with a `cache`, unchanged files are not built again.
    ///
    /// - Returns: the valid tenants and the errors of the invalid ones.
    public func loadDirectory(_ directory: String) -> (tenants: [TenantConfiguration], errors: [ConfigError]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            return ([], [ConfigError(code: .unreadableFile, file: directory, path: "", message: "cannot list the tenants folder: \(Self.reason(error))")])
        }
        let files = names.map { directory.hasSuffix("/") ? directory + $0 : directory + "/" + $0 }
        let results = Self.concurrentMap(files) { file in self.loadFileCaching(file) }
        var tenants: [TenantConfiguration] = []
        var errors: [ConfigError] = []
        var kept: [String: TenantFileCache.Entry] = [:]
        for (file, (result, bytes)) in zip(files, results) {
            switch result {
            case .success(let tenant):
                tenants.append(tenant)
                if let bytes { kept[file] = TenantFileCache.Entry(bytes: bytes, tenant: tenant) }
            case .failure(let failure):
                errors.append(contentsOf: failure.errors)
            }
        }
        self.cache?.replace(with: kept)
        errors.append(contentsOf: Self.sharedFileErrors(tenants))
        return (tenants, errors)
    }

    /// `loadFile`, answered from the cache when the bytes are the ones it was built from; also
    /// returns the bytes read (nil when unreadable).
    private func loadFileCaching(_ file: String) -> (Result<TenantConfiguration, ConfigErrors>, Data?) {
        let data: Data
        do {
            data = try Self.readFile(file)
        } catch {
            return (.failure(ConfigErrors([ConfigError(code: .unreadableFile, file: file, path: "", message: "cannot read the file: \(Self.reason(error))")])), nil)
        }
        if let cached = self.cache?.tenant(file: file, bytes: data) { return (.success(cached), data) }
        let expected = String((file as NSString).lastPathComponent.dropLast(".json".count))
        return (self.load(data, file: file, expectedName: expected), data)
    }

    /// A small file's bytes: one open, one read, no URL (thousands of tenant files per load);
    /// Foundation's reader for what that does not handle, so its errors are the ones reported.
    static func readFile(_ file: String) throws -> Data {
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            defer { close(descriptor) }
            var bytes = [UInt8](repeating: 0, count: 16 * 1024)
            var count = 0
            while true {
                if count == bytes.count { bytes.append(contentsOf: repeatElement(0, count: bytes.count)) }
                let got = bytes.withUnsafeMutableBytes { buffer in
                    read(descriptor, buffer.baseAddress.map { $0 + count }, buffer.count - count)
                }
                if got > 0 {
                    count += got
                } else if got == 0 {
                    return Data(bytes[0..<count])
                } else if errno != EINTR {
                    break
                }
            }
        }
        return try Data(contentsOf: URL(fileURLWithPath: file))
    }

    /// `items.map(transform)`, run on every processor at once when there are enough items.
    static func concurrentMap<Element: Sendable, Mapped: Sendable>(
        _ items: [Element],
        _ transform: @escaping @Sendable (Element) -> Mapped
    ) -> [Mapped] {
        let lanes = min(ProcessInfo.processInfo.activeProcessorCount, items.count / 32)
        guard lanes > 1 else { return items.map(transform) }
        let results = Mutex<[[(Int, Mapped)]]>([])
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            var mine: [(Int, Mapped)] = []
            mine.reserveCapacity(items.count / lanes + 1)
            for index in stride(from: lane, to: items.count, by: lanes) {
                mine.append((index, transform(items[index])))
            }
            results.withLock { $0.append(mine) }
        }
        var ordered = [Mapped?](repeating: nil, count: items.count)
        for (index, mapped) in results.withLock({ $0 }).joined() { ordered[index] = mapped }
        return ordered.compactMap { $0 }
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
