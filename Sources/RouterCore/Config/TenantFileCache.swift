import Foundation
import Signing
import Synchronization

/// The tenants a `TenantLoader` built, by file, with a digest of the bytes they were built from
/// (SHA-256: 32 bytes kept per tenant, not the file): a reload
/// rebuilds only the files whose bytes changed and reuses the rest as they are (a destination is
/// immutable once built, so sharing it with the running config is safe). Within a changed file,
/// destinations whose type and settings did not change are reused too.
///
/// Only valid tenants are kept, and only what the last `loadDirectory` saw: a file that was
/// removed or became invalid is forgotten. A loader's environment is fixed, so the same bytes
/// always build the same tenant.
public final class TenantFileCache: Sendable {
    /// A class, so the map's spare slots hold a pointer, not a whole tenant.
    final class Entry: Sendable {
        let digest: [UInt8]
        let tenant: TenantConfiguration

        init(digest: [UInt8], tenant: TenantConfiguration) {
            self.digest = digest
            self.tenant = tenant
        }
    }

    static func digest(_ bytes: Data) -> [UInt8] {
        SHA256.digest(bytes)
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// Creates an empty cache.
    public init() {}

    /// The tenant built from `file` when its bytes had `digest`, if it was.
    func tenant(file: String, digest: [UInt8]) -> TenantConfiguration? {
        guard let entry = self.entries.withLock({ $0[file] }), entry.digest == digest else { return nil }
        return entry.tenant
    }

    /// The tenant the last load built from `file`, whatever its bytes are now: its destinations
    /// are reused where they did not change.
    func previousTenant(file: String) -> TenantConfiguration? {
        self.entries.withLock { $0[file] }?.tenant
    }

    /// Replaces the whole cache with what one directory load found valid.
    func replace(with entries: [String: Entry]) {
        self.entries.withLock { $0 = entries }
    }

    /// How many tenants are kept (for tests).
    public var count: Int { self.entries.withLock { $0.count } }
}
