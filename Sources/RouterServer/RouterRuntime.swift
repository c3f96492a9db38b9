import AsyncHTTPClient
import EventStorePostgres
import EventStoreSQLite
import Foundation
import Hummingbird
import RouterConsole
import Logging
import NIOCore
import NIOPosix
import Prometheus
import RouterCore
import ServiceLifecycle

/// Everything `serve` needs, built from configuration: the tenants, the store, the delivery
/// supervisor and the HTTP application. Tests build it the same way as `main`.
public struct RouterRuntime: Sendable {
    /// Options that are not part of `router.json`.
    public struct Options: Sendable {
        /// The folder relative paths resolve against; the current directory for `serve`.
        public var baseDirectory: String
        /// Environment variables for secret references.
        public var environment: [String: String]
        /// The logger every component derives its own from.
        public var logger: Logger
        /// Called with the bound port once the server listens.
        public var onServerRunning: @Sendable (Int) async -> Void
        /// This instance's name among instances sharing a store; nil for host-pid-random.
        public var instanceID: String?
        /// Called once with every route registered (the OpenAPI drift test reads it).
        public var onRoutesRegistered: @Sendable ([RouteSignature]) -> Void = { _ in }

        /// Creates options.
        public init(
            baseDirectory: String,
            environment: [String: String],
            logger: Logger,
            instanceID: String? = nil,
            onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
        ) {
            self.baseDirectory = baseDirectory
            self.environment = environment
            self.logger = logger
            self.instanceID = instanceID
            self.onServerRunning = onServerRunning
        }
    }

    /// Loads the tenants and opens the store; throws `ConfigErrors` listing every config problem.
    ///
    /// - Returns: the application, ready for `runService()` or a `ServiceGroup`.
    public static func buildApplication(
        configuration: ServerConfiguration,
        registry: DestinationRegistry,
        options: Options
    ) async throws -> some ApplicationProtocol {
        let logger = options.logger
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.redirectConfiguration = .disallow
        clientConfiguration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        // A refused connection fails the attempt at once (`connection_refused`) instead of being
        // retried silently until the request's deadline; the delivery worker owns the retries.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        // Made on first use, once the pool is sized for the loaded destinations.
        let httpClient = SharedHTTPClient(configuration: clientConfiguration)
        // One guard for every destination: its clients pinned to checked addresses are shut
        // down with the shared client.
        let addressGuard = OutboundAddressGuard(
            allowPrivateAddresses: configuration.allowPrivateAddresses,
            threadPool: .singleton,
            clientConfiguration: clientConfiguration,
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton
        )
        let resolve = { (path: String) in Self.resolve(path, against: options.baseDirectory) }
        let dataDirectory = resolve(configuration.dataDirectory)
        var loader = TenantLoader(registry: registry, environment: options.environment) { tenant, destinationID in
            // Both keys in one assignment: a log handler may render its metadata on every change
            // (swift-log's stream handler does), and this runs for every destination at start.
            var destinationLogger = logger
            var metadata = destinationLogger.handler.metadata
            metadata["tenant.id"] = "\(tenant)"
            metadata["destination.id"] = "\(destinationID)"
            destinationLogger.handler.metadata = metadata
            return DestinationContext(
                tenant: tenant,
                destinationID: destinationID,
                logger: destinationLogger,
                sharedClient: httpClient,
                threadPool: .singleton,
                baseDirectory: options.baseDirectory,
                dataDirectory: dataDirectory,
                allowPrivateAddresses: configuration.allowPrivateAddresses,
                addressGuard: addressGuard
            )
        }
        // Reloads rebuild only the tenant files that changed.
        loader.cache = TenantFileCache()
        let tenantsDirectory = resolve(configuration.tenantsDirectory)
        let loaded = loader.loadDirectory(tenantsDirectory)
        guard loaded.errors.isEmpty else {
            try await httpClient.shutdown()
            throw ConfigErrors(loaded.errors)
        }
        // Room for every request the destinations may have in flight to one host, plus a
        // quarter for reloads that add some: a hanging tenant never holds another's back.
        let demand = TenantConfiguration.connectionsPerHost(loaded.tenants)
        let connectionsPerHost = max(SharedHTTPClient.minimumConnectionsPerHost, demand + demand / 4)
        httpClient.size(connectionsPerHost: connectionsPerHost)
        addressGuard.size(connectionsPerHost: connectionsPerHost)
        logger.info("HTTP connection pool sized", metadata: ["connections.per_host": "\(connectionsPerHost)", "demand.per_host": "\(demand)"])
        let store: any EventStore & Service
        let storeDescription: String
        do {
            switch configuration.store {
            case .sqlite:
                let sqlite = try SQLiteEventStore(directory: dataDirectory, logger: logger)
                (store, storeDescription) = (sqlite, sqlite.path)
            case .postgres(let settings):
                // Waits (retrying with backoff, logging each failure) until the database answers.
                let postgres = try await PostgresEventStore(
                    settings: settings,
                    instanceID: options.instanceID ?? RouterInstance.defaultID(),
                    logger: logger
                )
                (store, storeDescription) = (postgres, "\(postgres.url) as \(postgres.instanceID)")
            }
        } catch {
            try await httpClient.shutdown()
            throw error
        }
        let tenants = TenantDirectory(loaded.tenants)
        // One registry per application, so several servers in one process (tests) stay apart.
        let prometheus = PrometheusCollectorRegistry()
        // Counters and gauges (several per tenant) in a table that grows without copying; the
        // delivery histograms in the registry.
        let series = MetricSeriesTable()
        let metrics = RouterMetrics(factory: SeriesMetricsFactory(table: series, fallback: PrometheusMetricsFactory(registry: prometheus)))
        metrics.recordBuildInfo()
        let supervisor = DeliverySupervisor(store: store, tenants: loaded.tenants, metrics: metrics, logger: logger)
        let monitor = StoreMonitor(
            store: store,
            metrics: metrics,
            retention: .seconds(Int64(configuration.recordRetentionDays * 86_400)),
            logger: logger
        )
        let reloader = ConfigReloader(
            loader: loader,
            tenantsDirectory: tenantsDirectory,
            tenants: tenants,
            supervisor: supervisor,
            store: store,
            logger: logger
        ) { tenants in
            // A reload that needs more connections per host than the pool was made with gets
            // them for newly pinned clients; the shared client keeps its size until a restart.
            let demand = TenantConfiguration.connectionsPerHost(tenants)
            let wanted = max(SharedHTTPClient.minimumConnectionsPerHost, demand + demand / 4)
            addressGuard.size(connectionsPerHost: max(wanted, httpClient.connectionsPerHost))
            if !httpClient.size(connectionsPerHost: wanted) {
                logger.warning(
                    "The reloaded destinations may need more connections per host than the HTTP pool allows; restart to resize it",
                    metadata: ["demand.per_host": "\(demand)", "connections.per_host": "\(httpClient.connectionsPerHost)"]
                )
            }
        }
        let adminToken = configuration.adminToken?.resolve(in: options.environment)
        if adminToken == nil {
            logger.notice(
                "Admin API closed: no admin token",
                metadata: ["adminToken": "\(configuration.adminToken?.description ?? "not configured")"]
            )
        }
        let viewerToken = configuration.viewerToken?.resolve(in: options.environment)
        if viewerToken != nil, viewerToken == adminToken {
            logger.warning("The viewer token equals the admin token, so it grants admin rights; give the viewer role its own token")
        }
        let operatorTokens = OperatorTokens(admin: adminToken, viewer: viewerToken)
        let authenticator = AdminAuthenticator(tokens: operatorTokens)
        let arrivals = ArrivalBroadcast()
        let router = Router(context: RouterRequestContext.self)
        HealthController().addRoutes(to: router)
        MetricsController(registry: prometheus, series: series, monitor: monitor).addRoutes(to: router)
        IngestController(
            tenants: tenants,
            store: store,
            supervisor: supervisor,
            metrics: metrics,
            admission: IngestAdmission(monitor: monitor, configuration: configuration),
            maxRequestBytes: configuration.maxRequestBytes,
            decoder: IngestDecoder(limits: IngestLimits(maxBatchEvents: configuration.maxBatchEvents)),
            arrivals: arrivals
        ).addRoutes(to: router)
        let operations = OperatorService(
            store: store,
            tenants: { tenants.all() },
            wake: { supervisor.notify($0) },
            liftPause: { supervisor.retryNow($0) },
            arrivals: arrivals,
            configuration: ConfigurationAccess(
                folder: tenantsDirectory,
                validate: { await reloader.validate() },
                reload: { await reloader.reload() }
            ),
            logger: logger
        )
        OperationsController(tenants: tenants, store: store, authenticator: authenticator, service: operations)
            .addRoutes(to: router)
        ErasureController(tenants: tenants, store: store, authenticator: authenticator, service: operations).addRoutes(to: router)
        AuditController(authenticator: authenticator, service: operations).addRoutes(to: router)
        try ConsoleController(
            service: operations,
            configuration: .init(tokens: operatorTokens, secureCookies: !Self.isLoopback(configuration.listen.host)),
            logger: logger
        ).addRoutes(to: router)
        AdminController(reloader: reloader, authenticator: authenticator, tenants: tenants, service: operations).addRoutes(to: router)
        OpenAPIController().addRoutes(to: router)
        options.onRoutesRegistered(router.routes.map { RouteSignature($0) })
        // Last, so it wraps only the not-found responder.
        router.add(middleware: UnmatchedRouteMiddleware(routes: router.routes))
        logger.notice(
            "Configuration loaded",
            metadata: [
                "tenant.count": "\(loaded.tenants.count)",
                "store": "\(storeDescription)",
                "listen": "\(configuration.listen.host):\(configuration.listen.port)",
            ]
        )
        let onServerRunning = options.onServerRunning
        // A body that stops or trickles is answered 408; a connection that sends nothing is
        // closed a second later than that, so a request cut short gets its 408 first.
        let requestTimeout = TimeAmount.nanoseconds(Int64(configuration.requestTimeoutSeconds * 1e9))
        return Application(
            router: router,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [RequestBodyTimeoutHandler(limit: requestTimeout)],
                    idleTimeout: requestTimeout + .seconds(1)
                )
            ),
            configuration: .init(
                address: .hostname(configuration.listen.host, port: configuration.listen.port),
                serverName: "retention-router"
            ),
            services: [
                HTTPClientService(client: httpClient, addressGuard: addressGuard), store, supervisor, ArrivalForwarder(store: store, supervisor: supervisor, tails: arrivals), monitor,
                ReloadSignalService(reloader: reloader, logger: logger),
            ],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.notice("Server listening", metadata: ["port": "\(port)"])
                await onServerRunning(port)
            },
            logger: logger
        )
    }

    /// True for addresses only this machine can reach, where cookies need not be `Secure`.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Joins a relative path to `base`; absolute paths are kept.
    public static func resolve(_ path: String, against base: String) -> String {
        if path.hasPrefix("/") || base.isEmpty { return path }
        return (base as NSString).appendingPathComponent(path)
    }
}
