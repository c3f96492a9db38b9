import AsyncHTTPClient
import NIOPosix
import RouterCore
import Testing

/// The clients pinned to checked addresses do not pile up with uptime.
@Suite(.timeLimit(.minutes(2)))
struct PinnedHTTPClientsTests {
    @Test func idleClientsAreShutDownAndOneClientServesAHostAndAddress() async {
        let clients = PinnedHTTPClients(
            configuration: OutboundAddressGuard.defaultClientConfiguration,
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            idleLifetime: .zero
        )
        await clients.withClient(host: "a.example", address: "192.0.2.1") { _ in }
        await clients.withClient(host: "a.example", address: "192.0.2.1") { _ in
            #expect(clients.count == 1)
        }
        // Another address of the name (DNS rotated): the idle client of the old one goes.
        await clients.withClient(host: "a.example", address: "192.0.2.2") { _ in
            #expect(clients.count == 2)
        }
        #expect(clients.count == 1)
        await clients.shutdown()
        #expect(clients.count == 0)
    }
}
