import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import RouterCore
import RouterServer
import ServiceLifecycle
import Signing

/// The real server, started in-process on an ephemeral loopback port with its own data folder,
/// exactly as `serve` builds it. Call `stop()` at the end (it shuts down gracefully).
public final class TestServer: Sendable {
    /// The folder holding `config/` and `data/`.
    public let directory: TemporaryDirectory
    /// The bound port.
    public let port: Int
    /// Every route the server registered, as the OpenAPI document names them.
    public let routes: [RouteSignature]
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(self.port)" }

    /// Starts a server over the tenant files in `directory/config/tenants` and
    /// `directory/data`.
    ///
    /// - Parameters:
    ///   - directory: the folder to run in (reuse it to restart over the same data).
    ///   - registry: the destination modules.
    ///   - configuration: server settings; listen port and folders are overridden. Private
    ///     addresses are allowed by default, since the fakes listen on loopback.
    ///   - environment: environment for secret references.
    ///   - instanceID: the instance's name in a shared store's leases.
    public init(
        directory: TemporaryDirectory,
        registry: DestinationRegistry,
        configuration: ServerConfiguration = ServerConfiguration(allowPrivateAddresses: true),
        environment: [String: String] = [:],
        instanceID: String? = nil
    ) async throws {
        self.directory = directory
        var configuration = configuration
        configuration.listen = .init(host: "127.0.0.1", port: 0)
        configuration.dataDirectory = directory.appending("data")
        configuration.tenantsDirectory = directory.appending("config/tenants")
        try FileManager.default.createDirectory(atPath: configuration.tenantsDirectory, withIntermediateDirectories: true)
        var logger = Logger(label: "test-server")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let (routeStream, routeContinuation) = AsyncStream<[RouteSignature]>.makeStream()
        var options = RouterRuntime.Options(baseDirectory: directory.path, environment: environment, logger: logger, instanceID: instanceID) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        options.onRoutesRegistered = { routes in
            routeContinuation.yield(routes)
            routeContinuation.finish()
        }
        let application = try await RouterRuntime.buildApplication(configuration: configuration, registry: registry, options: options)
        var routeIterator = routeStream.makeAsyncIterator()
        self.routes = await routeIterator.next() ?? []
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        self.group = group
        self.task = Task { try await group.run() }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else {
            throw TestServerError(message: "the server stopped before it listened")
        }
        self.port = port
    }

    /// Shuts the server down gracefully and waits for it to finish.
    public func stop() async throws {
        await self.group.triggerGracefulShutdown()
        try await self.task.value
    }
}

/// A failure of the test harness itself.
public struct TestServerError: Error, CustomStringConvertible {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { self.message }
}
