import Foundation
import Synchronization

/// The tenants a `TenantLoader` built, by file, with the bytes they were built from: a reload
/// rebuilds only the files whose bytes changed and reuses the rest as they are (a destination is
/// immutable once built, so sharing it with the running config is safe).
///
/// Only valid tenants are kept, and only what the last `loadDirectory` saw: a file that was
/// removed or became invalid is forgotten. A loader's environment is fixed, so the same bytes
/// always build the same tenant.
public final class TenantFileCache: Sendable {
    struct Entry: Sendable {
        let bytes: Data
        let tenant: TenantConfiguration
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// Creates an empty cache.
    public init() {}

    /// The tenant built from exactly `bytes` of `file`, if it was.
    func tenant(file: String, bytes: Data) -> TenantConfiguration? {
        self.entries.withLock { entries in
            guard let entry = entries[file], entry.bytes == bytes else { return nil }
            return entry.tenant
        }
    }

    /// Replaces the whole cache with what one directory load found valid.
    func replace(with entries: [String: Entry]) {
        self.entries.withLock { $0 = entries }
    }

    /// How many tenants are kept (for tests).
    public var count: Int { self.entries.withLock { $0.count } }
}
