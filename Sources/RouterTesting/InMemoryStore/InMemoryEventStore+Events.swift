import RouterCore
import Synchronization

/// The operator console's event list.
extension InMemoryEventStore {
    /// Walks the events newest first along the path the SQL stores take (an id; a destination's
    /// dead letters, retries, head or routed events; else the tenant's events), counting each
    /// event read as examined, as they count each row.
    public func events(tenant: String, query: EventQuery) async throws -> EventPage {
        let limit = min(max(query.limit, 1), 200)
        let scanLimit = max(query.scanLimit, 1)
        let text = PropertyTextMatcher(query.text)
        return self.database.state.withLock { state in
            let path = Self.path(state, tenant: tenant, query: query).filter { $0 < (query.before ?? .max) }.sorted(by: >)
            var entries: [EventPage.Entry] = []
            var scanned = 0
            var last: InMemoryStoreState.Event?
            for sequence in path {
                guard let event = state.events[sequence] else { continue }
                if scanned == scanLimit {
                    return EventPage(entries: entries, next: last?.sequence, scanned: scanned, scannedBackTo: last?.receivedAt)
                }
                scanned += 1
                last = event
                guard Self.passes(event, query: query, text: text, in: state) else { continue }
                entries.append(
                    EventPage.Entry(
                        sequence: sequence,
                        id: event.id,
                        type: event.type,
                        occurredAt: event.occurredAt,
                        receivedAt: event.receivedAt,
                        destinations: event.destinations.sorted().map { destination in
                            .init(id: destination, state: state.state(of: sequence, at: PartitionKey(tenant: tenant, destination: destination)))
                        },
                        erasedAt: event.erasedAt
                    )
                )
                if entries.count == limit {
                    let more = path.last != sequence
                    return EventPage(entries: entries, next: more ? sequence : nil, scanned: scanned, scannedBackTo: event.receivedAt)
                }
            }
            return EventPage(entries: entries, next: nil, scanned: scanned, scannedBackTo: last?.receivedAt)
        }
    }

    /// The sequences a listing walks.
    private static func path(_ state: InMemoryStoreState, tenant: String, query: EventQuery) -> [Int64] {
        if let id = query.id {
            return state.sequences[.init(tenant: tenant, id: id)].map { [$0] } ?? []
        }
        if let destination = query.destination, query.state != .notRouted {
            let record = state.partitions[PartitionKey(tenant: tenant, destination: destination)] ?? .init()
            switch query.state {
            case .dead: return Array(record.deadLetters.keys)
            case .retrying: return Array(record.retries.keys)
            case .pending: return Array(record.pending)
            case .delivered, .notRouted, nil:
                return state.order.filter { state.events[$0].map { $0.tenant == tenant && $0.destinations.contains(destination) } ?? false }
            }
        }
        return state.order.filter { state.events[$0]?.tenant == tenant }
    }

    /// True when the event passes every filter of `query`.
    private static func passes(_ event: InMemoryStoreState.Event, query: EventQuery, text: PropertyTextMatcher?, in state: InMemoryStoreState) -> Bool {
        if let type = query.type, event.type != type { return false }
        if let from = query.from, event.receivedAt < from { return false }
        if let to = query.to, event.receivedAt >= to { return false }
        let stateAt = { (destination: String) in
            state.state(of: event.sequence, at: PartitionKey(tenant: event.tenant, destination: destination))
        }
        if let destination = query.destination {
            if query.state == .notRouted { return !event.destinations.contains(destination) && Self.text(event, text) }
            guard event.destinations.contains(destination) else { return false }
            if let wanted = query.state, stateAt(destination) != wanted { return false }
        } else if query.state == .notRouted {
            if !event.destinations.isEmpty { return false }
        } else if let wanted = query.state, !event.destinations.contains(where: { stateAt($0) == wanted }) {
            return false
        }
        return Self.text(event, text)
    }

    /// True when there is no text filter or the event's properties match it (an erased event's
    /// never do).
    private static func text(_ event: InMemoryStoreState.Event, _ text: PropertyTextMatcher?) -> Bool {
        guard let text else { return true }
        return event.erasedAt == nil && text.matches(event.properties)
    }
}
