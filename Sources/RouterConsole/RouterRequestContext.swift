import Foundation
import Hummingbird
import Logging
import NIOCore

/// The request context of every route the router serves: Hummingbird's core storage plus the
/// connection, so the console can tell sign-in attempts apart by the caller's address.
///
/// The address is read from the channel only when a route asks for it; ingest never pays for it.
public struct RouterRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    private let channel: any Channel

    /// Creates the context of one request.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The caller's address, when the connection still has one.
    public var remoteAddress: SocketAddress? { self.channel.remoteAddress }
}

extension RouterRequestContext {
    /// A path parameter with its percent-escapes decoded (`a%2Fb` is the event id `a/b`); empty
    /// when the route has no such parameter. Hummingbird hands path segments over as sent.
    public func pathParameter(_ name: String) -> String {
        guard let raw = self.parameters.get(name) else { return "" }
        return raw.removingPercentEncoding ?? raw
    }
}

