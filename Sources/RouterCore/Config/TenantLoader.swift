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
    /// Settings decoded so far in the load in progress (`loadDirectory` sets it).
    var settingsMemo: SettingsMemo?

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
        let files = names.map { Self.joined(directory, $0) }
        var memoized = self
        memoized.settingsMemo = SettingsMemo()
        let loader = memoized
        // Tenants made from one template share their destinations' settings: keep one copy of
        // each text (`1` and `1.0` are equal values but two texts).
        let settings = Mutex<[WrittenJSON: JSONValue]>([:])
        let results = Self.concurrentMap(Array(zip(files, names))) { file, name in
            var (result, digest) = loader.loadFileCaching(file, expectedName: String(name.dropLast(".json".count)))
            if case .success(var tenant) = result {
                for index in tenant.destinations.indices {
                    let value = tenant.destinations[index].settings
                    let key = WrittenJSON(value: value)
                    let shared = settings.withLock { table in
                        if let shared = table[key] { return shared }
                        table[key] = value
                        return value
                    }
                    tenant.destinations[index].settings = shared
                }
                result = .success(tenant)
            }
            return (result, digest)
        }
        var tenants: [TenantConfiguration] = []
        tenants.reserveCapacity(results.count)
        var errors: [ConfigError] = []
        var kept: [String: TenantFileCache.Entry] = [:]
        for (file, (result, digest)) in zip(files, results) {
            switch result {
            case .success(let tenant):
                tenants.append(tenant)
                if let digest { kept[file] = TenantFileCache.Entry(digest: digest, tenant: tenant) }
            case .failure(let failure):
                errors.append(contentsOf: failure.errors)
            }
        }
        self.cache?.replace(with: kept)
        errors.append(contentsOf: Self.sharedFileErrors(tenants))
        return (tenants, errors)
    }

    /// `directory/name`, its storage the exact size (thousands of these are kept).
    static func joined(_ directory: String, _ name: String) -> String {
        var bytes = Array(directory.utf8)
        if bytes.last != UInt8(ascii: "/") { bytes.append(UInt8(ascii: "/")) }
        bytes.append(contentsOf: name.utf8)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `loadFile`, answered from the cache when the bytes are the ones it was built from; also
    /// returns the digest of the bytes read (nil when unreadable), not the bytes, so a load of
    /// thousands of files never holds them all at once.
    private func loadFileCaching(_ file: String, expectedName expected: String) -> (Result<TenantConfiguration, ConfigErrors>, [UInt8]?) {
        let data: Data
        do {
            data = try Self.readFile(file)
        } catch {
            return (.failure(ConfigErrors([ConfigError(code: .unreadableFile, file: file, path: "", message: "cannot read the file: \(Self.reason(error))")])), nil)
        }
        guard let cache = self.cache else { return (self.load(data, file: file, expectedName: expected), nil) }
        let digest = TenantFileCache.digest(data)
        if let cached = cache.tenant(file: file, digest: digest) { return (.success(cached), digest) }
        return (self.load(data, file: file, expectedName: expected, previous: cache.previousTenant(file: file)), digest)
    }

    /// A small file's bytes: one open, one read, no URL (thousands of tenant files per load);
    /// Foundation's reader for what that does not handle, so its errors are the ones reported.
    static func readFile(_ file: String) throws -> Data {
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            defer { close(descriptor) }
            var info = stat()
            // Room for the whole file and one byte more, to see the end in one read.
            let size = fstat(descriptor, &info) == 0 ? max(Int(info.st_size), 0) + 1 : 4096
            var bytes = [UInt8](repeating: 0, count: size)
            var count = 0
            while true {
                if count == bytes.count { bytes.append(contentsOf: repeatElement(0, count: bytes.count)) }
                let got = bytes.withUnsafeMutableBytes { buffer in
                    read(descriptor, buffer.baseAddress.map { $0 + count }, buffer.count - count)
                }
                if got > 0 {
                    count += got
                } else if got == 0 {
                    bytes.removeLast(bytes.count - count)
                    return Data(bytes)
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
        var results = [Mapped?](repeating: nil, count: items.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = ResultSlots(buffer: buffer)
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                for index in stride(from: lane, to: items.count, by: lanes) {
                    slots.store(transform(items[index]), at: index)
                }
            }
        }
        return results.compactMap { $0 }
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
        self.load(data, file: file, expectedName: expectedName, previous: nil)
    }

    /// `load`, reusing the destinations of `previous` (the tenant the same file built last time)
    /// whose type and settings are unchanged.
    func load(_ data: Data, file: String, expectedName: String?, previous: TenantConfiguration?) -> Result<TenantConfiguration, ConfigErrors> {
        let document: JSONValue
        do {
            document = try JSONParser.parse(data)
        } catch {
            let (line, column) = Self.lineAndColumn(of: error.offset, in: data)
            return .failure(ConfigErrors([ConfigError(code: .malformedJSON, file: file, path: "", message: "line \(line), column \(column): \(error.message)")]))
        }
        var walker = TenantFileWalker(file: file, loader: self, previous: previous)
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

/// The result buffer of `TenantLoader.concurrentMap`, written from several threads.
///
/// `@unchecked Sendable`: each index is written by exactly one lane (lane `l` writes indices
/// `l, l + lanes, ...`), the buffer outlives `concurrentPerform`, which returns only after every
/// lane has finished, and nothing reads it before then.
private struct ResultSlots<Mapped>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Mapped?>

    func store(_ value: Mapped, at index: Int) {
        self.buffer[index] = value
    }
}
