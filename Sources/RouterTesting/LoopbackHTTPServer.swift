import Hummingbird
import Logging
import ServiceLifecycle

/// A real HTTP server on 127.0.0.1 and a free port, answering every request with one closure.
/// The fakes of remote APIs (Segment, webhook receivers) are built on it.
public final class LoopbackHTTPServer: Sendable {
    /// The bound port.
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(self.port)" }

    /// Starts the server; `handler` answers every request.
    public init(name: String, handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response) async throws {
        var logger = Logger(label: name)
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let application = Application(
            responder: CallbackResponder(callback: handler),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: name),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        self.group = group
        self.task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestServerError(message: "\(name) stopped before it listened") }
        self.port = port
    }

    /// Stops the server and waits for it.
    public func stop() async throws {
        await self.group.triggerGracefulShutdown()
        try await self.task.value
    }
}
