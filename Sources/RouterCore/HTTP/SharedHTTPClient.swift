import AsyncHTTPClient
import NIOCore
import NIOPosix
import Synchronization

/// The HTTP client every destination of a server shares, made on first use so that its
/// connection pool can be sized from the configured destinations first.
///
/// AsyncHTTPClient allows 8 connections per host by default: every tenant's Segment traffic
/// shares one host, so 8 hanging requests would hold every other tenant's deliveries back, and
/// a webhook's `concurrency` above 8 would be capped silently. The server adds up what its
/// destinations may have in flight per host (`Destination.connectionDemand`) and sizes the
/// pool before the first request.
public final class SharedHTTPClient: Sendable {
    private struct State {
        var configuration: HTTPClient.Configuration
        var client: HTTPClient?
    }

    /// The fewest connections per host the pool allows (AsyncHTTPClient's default).
    public static let minimumConnectionsPerHost = 8
    private let state: Mutex<State>
    private let eventLoopGroup: any EventLoopGroup

    /// A client to be made with `configuration` on first use.
    public init(configuration: HTTPClient.Configuration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.state = Mutex(State(configuration: configuration, client: nil))
        self.eventLoopGroup = eventLoopGroup
    }

    /// Wraps a client that already exists (command-line tools, tests).
    public init(_ client: HTTPClient) {
        self.state = Mutex(State(configuration: HTTPClient.Configuration(), client: client))
        self.eventLoopGroup = client.eventLoopGroup
    }

    /// The client, made now if this is the first use.
    public var client: HTTPClient {
        self.state.withLock { state in
            if let client = state.client { return client }
            let client = HTTPClient(eventLoopGroup: self.eventLoopGroup, configuration: state.configuration)
            state.client = client
            return client
        }
    }

    /// The configuration clients are made with (the pinned clients of the address guard too).
    public var configuration: HTTPClient.Configuration {
        self.state.withLock { $0.configuration }
    }

    /// The connections per host the pool allows (or will allow).
    public var connectionsPerHost: Int {
        self.state.withLock { $0.configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit }
    }

    /// Sizes the pool for `demand` connections to one host (at least `minimumConnectionsPerHost`).
    /// Returns false when the client was already made with fewer: a restart applies the size.
    @discardableResult
    public func size(connectionsPerHost demand: Int) -> Bool {
        self.state.withLock { state in
            let wanted = max(Self.minimumConnectionsPerHost, demand)
            guard state.client == nil else {
                return state.configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit >= wanted
            }
            state.configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = wanted
            return true
        }
    }

    /// Shuts the client down, if it was made.
    public func shutdown() async throws {
        let client = self.state.withLock { $0.client }
        try await client?.shutdown()
    }
}
