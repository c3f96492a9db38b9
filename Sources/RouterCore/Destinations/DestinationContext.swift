import AsyncHTTPClient
import Logging
import NIOPosix

/// What the router hands a destination module when it builds one.
///
/// Modules use these instead of creating their own clients, threads or clocks.
public struct DestinationContext: Sendable {
    /// The tenant the destination belongs to.
    public var tenant: String
    /// The destination's `id` in the tenant's config.
    public var destinationID: String
    /// A logger already stamped with `tenant.id` and `destination.id`.
    public var logger: Logger
    /// The one HTTP client the server shares; it does not follow redirects. Made on first use,
    /// after the server has sized its pool for the configured destinations.
    public var httpClient: HTTPClient { self.sharedClient.client }
    /// The shared client's holder.
    public var sharedClient: SharedHTTPClient
    /// Threads for blocking file I/O, so nothing blocks the event loops or the task pool.
    public var threadPool: NIOThreadPool
    /// The folder that relative paths in settings resolve against (where `serve` runs).
    public var baseDirectory: String
    /// The router's data directory.
    public var dataDirectory: String
    /// Whether URLs may point at loopback, private or link-local addresses.
    public var allowPrivateAddresses: Bool { self.addressGuard.allowPrivateAddresses }
    /// Checks destination URLs and the addresses they resolve to, and sends to the checked
    /// address only; see `OutboundAddressGuard`. The server shares one.
    public var addressGuard: OutboundAddressGuard

    /// Creates a context. Without `addressGuard`, it gets a guard of its own following
    /// `allowPrivateAddresses` (whose pinned clients it must shut down if it sends).
    public init(
        tenant: String,
        destinationID: String,
        logger: Logger,
        httpClient: HTTPClient,
        threadPool: NIOThreadPool,
        baseDirectory: String,
        dataDirectory: String,
        allowPrivateAddresses: Bool,
        addressGuard: OutboundAddressGuard? = nil
    ) {
        self.init(
            tenant: tenant,
            destinationID: destinationID,
            logger: logger,
            sharedClient: SharedHTTPClient(httpClient),
            threadPool: threadPool,
            baseDirectory: baseDirectory,
            dataDirectory: dataDirectory,
            allowPrivateAddresses: allowPrivateAddresses,
            addressGuard: addressGuard
        )
    }

    /// Creates a context whose HTTP client is made on first use (the server's).
    public init(
        tenant: String,
        destinationID: String,
        logger: Logger,
        sharedClient: SharedHTTPClient,
        threadPool: NIOThreadPool,
        baseDirectory: String,
        dataDirectory: String,
        allowPrivateAddresses: Bool,
        addressGuard: OutboundAddressGuard? = nil
    ) {
        self.tenant = tenant
        self.destinationID = destinationID
        self.logger = logger
        self.sharedClient = sharedClient
        self.threadPool = threadPool
        self.baseDirectory = baseDirectory
        self.dataDirectory = dataDirectory
        self.addressGuard = addressGuard ?? OutboundAddressGuard(allowPrivateAddresses: allowPrivateAddresses, threadPool: threadPool)
    }

    /// Resolves a path from settings: absolute paths stay, relative ones join `baseDirectory`.
    public func resolvePath(_ path: String) -> String {
        if path.hasPrefix("/") || self.baseDirectory.isEmpty { return path }
        // Built to its exact size: a destination keeps it for its life.
        var bytes = Array(self.baseDirectory.utf8)
        if bytes.last != UInt8(ascii: "/") { bytes.append(UInt8(ascii: "/")) }
        bytes.append(contentsOf: path.utf8)
        return String(decoding: bytes, as: UTF8.self)
    }
}
