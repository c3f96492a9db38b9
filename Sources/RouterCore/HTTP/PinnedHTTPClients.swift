import AsyncHTTPClient
import NIOCore
import Synchronization

/// HTTP clients that each connect to one checked address, whatever DNS says by then.
///
/// AsyncHTTPClient resolves a URL's host itself when it connects; a client whose `dnsOverride`
/// maps the host to the address the guard checked connects there instead, and still uses the
/// host name for TLS (SNI and the certificate check) and the `Host` header. One client per host
/// and address, made on first use and shut down once idle for five minutes (or at `shutdown`),
/// so keep-alive connections are reused across deliveries while the name's answer is stable.
public final class PinnedHTTPClients: Sendable {
    private struct Key: Hashable {
        var host: String
        var address: String
    }

    private struct Entry {
        var client: HTTPClient
        var leases: Int
        var lastUsed: ContinuousClock.Instant
    }

    private let configuration: Mutex<HTTPClient.Configuration>
    private let eventLoopGroup: any EventLoopGroup
    private let entries = Mutex<[Key: Entry]>([:])
    private let idleLifetime: Duration

    /// Creates an empty set; each client gets `configuration` (redirects should be disallowed:
    /// a redirect would go to an unchecked address) and is shut down once unused for
    /// `idleLifetime` (checked whenever a request finishes).
    public init(
        configuration: HTTPClient.Configuration,
        eventLoopGroup: any EventLoopGroup,
        idleLifetime: Duration = .seconds(300)
    ) {
        self.configuration = Mutex(configuration)
        self.eventLoopGroup = eventLoopGroup
        self.idleLifetime = idleLifetime
    }

    /// Sizes the pool of clients made from now on for `connections` requests in flight to one
    /// host (see `SharedHTTPClient`).
    public func size(connectionsPerHost connections: Int) {
        self.configuration.withLock { $0.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connections }
    }

    /// The number of clients open now (for tests).
    public var count: Int { self.entries.withLock { $0.count } }

    /// Runs `body` with the client that connects `host` to `address` only.
    public func withClient<Result>(
        host: String,
        address: String,
        _ body: (HTTPClient) async throws -> Result
    ) async rethrows -> Result {
        let key = Key(host: host, address: address)
        let client = self.entries.withLock { entries in
            if var entry = entries[key] {
                entry.leases += 1
                entries[key] = entry
                return entry.client
            }
            var configuration = self.configuration.withLock { $0 }
            configuration.dnsOverride = [host: address]
            let client = HTTPClient(eventLoopGroup: self.eventLoopGroup, configuration: configuration)
            entries[key] = Entry(client: client, leases: 1, lastUsed: .now)
            return client
        }
        do {
            let result = try await body(client)
            await self.release(key)
            return result
        } catch {
            await self.release(key)
            throw error
        }
    }

    /// Shuts every client down; call once nothing sends any more.
    public func shutdown() async {
        let clients = self.entries.withLock { entries in
            defer { entries = [:] }
            return entries.values.map(\.client)
        }
        for client in clients { try? await client.shutdown() }
    }

    private func release(_ key: Key) async {
        let now = ContinuousClock.now
        let idle = self.entries.withLock { entries -> [HTTPClient] in
            entries[key]?.leases -= 1
            entries[key]?.lastUsed = now
            let expired = entries.filter { $0.value.leases == 0 && now - $0.value.lastUsed > self.idleLifetime }
            for key in expired.keys { entries[key] = nil }
            return expired.values.map(\.client)
        }
        for client in idle { try? await client.shutdown() }
    }
}
