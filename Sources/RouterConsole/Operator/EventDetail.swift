import RouterCore

/// An event and, for every destination of its tenant, where it stands and why: the answer to
/// "why wasn't it delivered?", including destinations it was never routed to.
public struct EventDetail: Sendable, Equatable {
    /// One destination's view of the event.
    public struct Destination: Sendable, Equatable {
        /// The destination id.
        public var id: String
        /// Its module type; nil when it is no longer configured.
        public var type: String?
        /// `pending`, `delivered`, `retrying`, `dead` or `not_routed`.
        public var state: String
        /// The sentence that explains the state.
        public var why: String
        /// What to change, for failures.
        public var hint: String?
        /// Every attempt, oldest first.
        public var attempts: [AttemptRecord]
        /// True when it can be replayed (dead).
        public var replayable: Bool
    }

    /// The event as stored.
    public var event: RetentionEvent
    /// Its position in the store.
    public var sequence: Int64
    /// Routed destinations (in the order of the tenant's file, removed ones last), then the
    /// configured ones it was not routed to.
    public var destinations: [Destination]
    /// When its payload was erased; then `event.properties` is empty and must not be shown as
    /// the event's, and no destination is replayable.
    public var erasedAt: Timestamp?

    /// Explains `status` against the tenant's configuration as it is now.
    public init(status: EventStatus, tenant: TenantConfiguration?) {
        self.event = status.event
        self.sequence = status.sequence
        self.erasedAt = status.erasedAt
        let configured = tenant?.destinations ?? []
        var rows: [Destination] = []
        let routed = Dictionary(status.destinations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for destination in configured {
            if let view = routed[destination.id] {
                rows.append(Self.routed(view, type: destination.type, file: tenant?.file, removed: false))
            } else {
                rows.append(Self.notRouted(destination, event: status.event, erased: status.erasedAt != nil))
            }
        }
        for view in status.destinations where !configured.contains(where: { $0.id == view.id }) {
            rows.append(Self.routed(view, type: nil, file: nil, removed: true))
        }
        // An erased event is never sent again.
        self.destinations = status.erasedAt == nil ? rows : rows.map { row in
            var row = row
            row.replayable = false
            return row
        }
    }

    private static func routed(_ view: EventStatus.Destination, type: String?, file: String?, removed: Bool) -> Destination {
        let last = view.attempts.last
        let lastError = view.attempts.last { $0.reason != nil }?.reason
        var why: String
        var hint: String?
        switch view.state {
        case .delivered:
            let delivered = view.attempts.last { $0.outcome == .delivered }
            why = delivered.map { "Delivered at \(ConsoleTime.utc($0.at)) (attempt \($0.attempt), \($0.latencyMilliseconds) ms)." } ?? "Delivered."
        case .pending:
            why = "Waiting at the head of the queue: not attempted yet."
        case .retrying(let next):
            let attempt = last?.attempt ?? 0
            why = "Retrying: attempt \(attempt) failed" + (next.map { "; next attempt at \(ConsoleTime.utc($0))" } ?? "") + "."
            if let lastError {
                why += " Last error: \(lastError.code): \(lastError.message)"
                hint = FailureHint.explain(lastError, type: type, id: view.id, file: file)
            }
        case .dead:
            let reason = view.deadReason ?? lastError
            why = "Dead letter after \(view.attempts.count) attempt\(view.attempts.count == 1 ? "" : "s")" + (reason.map { ": \($0.code): \($0.message)" } ?? ".")
            hint = reason.map { FailureHint.explain($0, type: type, id: view.id, file: file) }
        }
        if removed {
            why += " This destination was removed from the configuration; its queue is kept."
        }
        return Destination(id: view.id, type: type, state: view.state.name, why: why, hint: hint, attempts: view.attempts, replayable: view.state == .dead)
    }

    private static func notRouted(_ destination: ConfiguredDestination, event: RetentionEvent, erased: Bool) -> Destination {
        let type = event.type
        let why: String
        if erased {
            // The properties a `where` would read are gone; only the type can still be judged.
            why = destination.accepts(type)
                ? "Not routed (the payload is erased, so whether a transform's `where` excluded it can no longer be told)."
                : "Not routed: the destination's `events` list does not include \(type.rawValue)."
        } else if let reason = destination.exclusionReason(for: event) {
            why = "Not routed: \(reason)."
        } else {
            why = "Not routed: the destination was added (or started taking \(type.rawValue)) after this event arrived"
                + (destination.transform?.filters == true ? ", or its transform's `where` excluded the event then." : ".")
        }
        return Destination(id: destination.id, type: destination.type, state: EventQuery.State.notRouted.rawValue, why: why, hint: nil, attempts: [], replayable: false)
    }
}
