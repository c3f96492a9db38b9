import Signing

/// One tenant (customer account) as configured in `config/tenants/NAME.json`.
public struct TenantConfiguration: Sendable {
    /// How the tenant's ingest requests are signed.
    public struct Ingest: Sendable {
        /// The scheme the sender uses.
        public var scheme: SignatureScheme
        /// The accepted secrets (several during rotation).
        public var secrets: [SecretReference]
        /// The verifier built from them.
        public var verifier: SignatureVerifier

        /// Creates ingest settings.
        public init(scheme: SignatureScheme, secrets: [SecretReference], verifier: SignatureVerifier) {
            self.scheme = scheme
            self.secrets = secrets
            self.verifier = verifier
        }
    }

    /// An optional ceiling on a tenant's ingest rate: a token bucket refilled at
    /// `eventsPerSecond`, holding at most `burst` events.
    public struct RateLimit: Sendable, Equatable {
        public var eventsPerSecond: Double
        public var burst: Int

        public init(eventsPerSecond: Double, burst: Int) {
            self.eventsPerSecond = eventsPerSecond
            self.burst = burst
        }
    }

    /// The tenant name: letters, digits, `-` and `_`; the file is named after it.
    public var name: String
    /// Free text for operators.
    public var description: String?
    /// Ingest authentication.
    public var ingest: Ingest
    /// The destinations, in file order.
    public var destinations: [ConfiguredDestination]
    /// The ingest rate limit; nil for none.
    public var rateLimit: RateLimit?
    /// The file it was loaded from.
    public var file: String
    /// The properties the console and the operator API show as `••••` (`console.maskProperties`).
    public var mask: PropertyMask = .none

    /// Creates a tenant.
    public init(
        name: String,
        description: String?,
        ingest: Ingest,
        destinations: [ConfiguredDestination],
        rateLimit: RateLimit? = nil,
        file: String
    ) {
        self.rateLimit = rateLimit
        self.name = name
        self.description = description
        self.ingest = ingest
        self.destinations = destinations
        self.file = file
    }

    /// The ids of the destinations that take an event of `type`, in file order.
    public func routes(for type: RetentionEventType) -> [String] {
        self.destinations.compactMap { $0.accepts(type) ? $0.id : nil }
    }

    /// The ids of the destinations an event is routed to, in file order: those whose `events`
    /// list takes its type and whose transform's `where` steps keep it.
    public func routes(for event: RetentionEvent) -> [String] {
        self.destinations.compactMap { $0.accepts(event) ? $0.id : nil }
    }
}

/// A destination of a tenant, built and ready to deliver.
public struct ConfiguredDestination: Sendable {
    /// Its id within the tenant.
    public var id: String
    /// Its module's `type` name.
    public var type: String
    /// The event types it takes; nil for all.
    public var events: Set<RetentionEventType>?
    /// The `transform` steps; nil when it has none. `destination` already applies them.
    public var transform: DestinationTransform?
    /// The settings block as written (for change detection on reload).
    public var settings: JSONValue
    /// The built destination.
    public var destination: any Destination

    /// Creates a configured destination.
    public init(
        id: String,
        type: String,
        events: Set<RetentionEventType>?,
        transform: DestinationTransform? = nil,
        settings: JSONValue,
        destination: any Destination
    ) {
        self.id = id
        self.type = type
        self.events = events
        self.transform = transform
        self.settings = settings
        self.destination = destination
    }

    /// True when events of `type` go to this destination.
    public func accepts(_ type: RetentionEventType) -> Bool {
        self.events?.contains(type) ?? true
    }

    /// Why `event` is not routed to this destination as configured now, or nil when it is: its
    /// `events` list leaves the type out, or a `where` step of its transform excludes it.
    public func exclusionReason(for event: RetentionEvent) -> String? {
        if !self.accepts(event.type) {
            let list = (self.events ?? []).map(\.rawValue).sorted().joined(separator: ", ")
            return "the destination's `events` list (\(list)) does not include \(event.type.rawValue)"
        }
        if case .excluded(let step, let condition)? = self.transform?.exclusion(of: event) {
            return "the destination's transform[\(step)] (where \(condition)) does not hold for this event"
        }
        return nil
    }

    /// True when `event` goes to this destination: its type is taken and no `where` step of
    /// the transform excludes it.
    public func accepts(_ event: RetentionEvent) -> Bool {
        guard self.accepts(event.type) else { return false }
        guard let transform = self.transform, transform.filters else { return true }
        return transform.exclusion(of: event) == nil
    }
}

extension TenantConfiguration {
    /// The most HTTP requests the destinations of `tenants` may have in flight to any one host
    /// at once (every Segment destination on one host adds one, each webhook its concurrency):
    /// what the shared connection pool must allow per host so no tenant waits for another's.
    public static func connectionsPerHost(_ tenants: [TenantConfiguration]) -> Int {
        var demand: [String: Int] = [:]
        for tenant in tenants {
            for configured in tenant.destinations {
                guard let need = configured.destination.connectionDemand else { continue }
                demand[need.host, default: 0] += need.connections
            }
        }
        return demand.values.max() ?? 0
    }
}
