import Hummingbird
import Logging
import RouterCore

extension ConsoleController {
    func eventsPage(_ request: Request, tenant: String) async throws -> Response {
        try await self.withSession(request, form: false) { session, _ in
            guard let configured = self.configuredTenant(tenant) else { return self.unknownTenant(tenant, session: session, request: request) }
            let now = Timestamp.now()
            let parameters = Self.parameters(request)
            var context: [String: Any] = [
                "tenant": tenant,
                "filter": parameters,
                "types": Self.options(RetentionEventType.allCases.map(\.rawValue), selected: parameters["type"]),
                "destinations": Self.options(configured.destinations.map(\.id), selected: parameters["destination"]),
                "states": Self.options(EventQuery.State.allCases.map(\.rawValue), selected: parameters["state"]),
                "hasEntries": false,
                "scanText": "",
            ]
            let frame = self.frame("Events of \(tenant)", session: session, tenant: tenant, section: .events, request: request)
            let query: EventQuery
            do {
                query = try OperatorFilters.eventQuery(parameters)
            } catch let error as OperatorInputError {
                context["error"] = "\(error.field): \(error.message)"
                return self.renderer.page("events", context, frame: frame, status: .unprocessableContent)
            }
            // Which events match a value would tell a viewer the masked values one guess at a time.
            if session.role == .viewer, query.text != nil, !configured.mask.isEmpty {
                context["error"] = "q: this tenant masks properties, so searching property values needs the admin token."
                return self.renderer.page("events", context, frame: frame, status: .forbidden)
            }
            let page = try await self.service.events(tenant: tenant, query: query)
            context["entries"] = page.entries.map { entry -> [String: Any] in
                [
                    "id": entry.id,
                    "idPath": FormBody.encode(entry.id),
                    "type": entry.type.rawValue,
                    "receivedISO": entry.receivedAt.iso8601,
                    "receivedUTC": ConsoleTime.utc(entry.receivedAt),
                    "receivedAgo": ConsoleTime.relative(entry.receivedAt, now: now),
                    "destinations": entry.destinations.map { ["id": $0.id, "state": $0.state.rawValue] },
                ]
            }
            context["hasEntries"] = !page.entries.isEmpty
            context["scanText"] = Self.scanText(page, query: query)
            if let next = page.next {
                var linkParameters = parameters
                linkParameters["cursor"] = String(next)
                context["nextLink"] = "/console/tenants/\(tenant)/events?" + Self.queryString(linkParameters)
            }
            return self.renderer.page("events", context, frame: frame)
        }
    }

    func eventPage(_ request: Request, tenant: String, id: String) async throws -> Response {
        try await self.withSession(request, form: false) { session, _ in
            try await self.renderEvent(request, session: session, tenant: tenant, id: id, reveal: false)
        }
    }

    /// The event page with the masked properties shown: an admin's explicit, logged request.
    /// The page is the answer to the POST, so the values are never in a URL or a history entry.
    func revealEvent(_ request: Request, tenant: String, id: String, address: String) async throws -> Response {
        try await self.withSession(request, form: true) { session, _ in
            guard self.configuredTenant(tenant) != nil else { return self.unknownTenant(tenant, session: session, request: request) }
            self.logger.notice("Masked properties revealed in the console", metadata: ["tenant.id": "\(tenant)", "address": "\(address)"])
            await self.audit(.reveal, session: session, address: address, tenant: tenant, target: id)
            return try await self.renderEvent(request, session: session, tenant: tenant, id: id, reveal: true)
        }
    }

    /// Erases the event's payload (admin, with the confirmation ticked) and shows the event.
    func eraseEvent(_ request: Request, tenant: String, id: String, address: String) async throws -> Response {
        try await self.withSession(request, form: true) { session, form in
            guard self.configuredTenant(tenant) != nil else { return self.unknownTenant(tenant, session: session, request: request) }
            guard form["confirm"] == "yes" else {
                return self.renderer.message(
                    "Nothing erased",
                    "Tick “I understand this cannot be undone” to erase the event's payload.",
                    frame: self.frame("Nothing erased", session: session, tenant: tenant, request: request),
                    status: .unprocessableContent
                )
            }
            guard let result = try await self.service.erase(tenant: tenant, id: id) else {
                return self.renderer.message(
                    "Unknown event",
                    "Tenant \(tenant) has no event with id \(id).",
                    frame: self.frame("Unknown event", session: session, tenant: tenant, request: request),
                    status: .notFound
                )
            }
            if !result.alreadyErased {
                let parked = result.deadLettered.map(\.destination).sorted()
                await self.audit(
                    .erase,
                    session: session,
                    address: address,
                    tenant: tenant,
                    target: id,
                    detail: parked.isEmpty ? "nothing was waiting" : "waiting deliveries dead-lettered: \(parked.joined(separator: ", "))"
                )
            }
            return Self.redirect("/console/tenants/\(tenant)/events/\(FormBody.encode(id))?notice=erased")
        }
    }

    private func renderEvent(_ request: Request, session: ConsoleSession, tenant: String, id: String, reveal: Bool) async throws -> Response {
        guard let configured = self.configuredTenant(tenant) else { return self.unknownTenant(tenant, session: session, request: request) }
        let frame = self.frame("Event \(id)", session: session, tenant: tenant, section: .events, request: request)
        guard let shown = try await self.service.maskedStatus(tenant: tenant, id: id, reveal: reveal) else {
            return self.renderer.message("Unknown event", "Tenant \(tenant) has no event with id \(id).", frame: frame, status: .notFound)
        }
        let detail = shown.detail(tenant: configured)
        let now = Timestamp.now()
        let event = detail.event
        let context: [String: Any] = [
            "tenant": tenant,
            "id": event.id,
            "idPath": FormBody.encode(event.id),
            "type": event.type.rawValue,
            "occurredUTC": ConsoleTime.utc(event.occurredAt),
            "occurredAgo": ConsoleTime.relative(event.occurredAt, now: now),
            "receivedUTC": ConsoleTime.utc(event.receivedAt),
            "receivedAgo": ConsoleTime.relative(event.receivedAt, now: now),
            "sequence": String(detail.sequence),
            "anyReplayable": detail.destinations.contains { $0.replayable },
            "masked": shown.isMasked,
            "revealed": reveal && !configured.mask.isEmpty,
            "maskList": configured.mask.patterns.map(\.text).joined(separator: ", "),
            "destinations": detail.destinations.map { destination in
                var context = Self.destinationContext(destination)
                // What it would send for this event now, with the transform as configured,
                // made from the real event and then masked like everything else on the page.
                if let configuredDestination = configured.destinations.first(where: { $0.id == destination.id }) {
                    context["preview"] = shown.redact(PreviewReport(tenant: configured, destination: configuredDestination, events: [shown.original], now: now).text)
                }
                return context
            },
            "json": Self.storedJSON(event, erasedAt: detail.erasedAt),
        ]
        var page = context
        if let erasedAt = detail.erasedAt {
            page["erased"] = "\(ConsoleTime.utc(erasedAt)) (\(ConsoleTime.relative(erasedAt, now: now)))"
            page["masked"] = false
            page["destinations"] = (context["destinations"] as? [[String: Any]] ?? []).map { destination in
                var destination = destination
                destination["preview"] = nil
                return destination
            }
        }
        return self.renderer.page("event", page, frame: frame)
    }

    func replayEvent(_ request: Request, tenant: String, id: String, address: String) async throws -> Response {
        try await self.withSession(request, form: true) { session, form in
            guard self.configuredTenant(tenant) != nil else { return self.unknownTenant(tenant, session: session, request: request) }
            let destination = form.nonEmpty("destination")
            let result = try await self.service.replay(tenant: tenant, selection: .ids([id], destination: destination))
            self.logger.notice("Replay from the console", metadata: ["tenant.id": "\(tenant)", "event.count": "\(result.count)"])
            await self.audit(.replay, session: session, address: address, tenant: tenant, destination: destination, target: id, detail: "replayed \(result.count)")
            return Self.redirect("/console/tenants/\(tenant)/events/\(FormBody.encode(id))?notice=replayed:\(result.count)")
        }
    }

    static func destinationContext(_ destination: EventDetail.Destination) -> [String: Any] {
        [
            "id": destination.id,
            "type": destination.type ?? false,
            "state": destination.state,
            "stateText": destination.state == EventQuery.State.notRouted.rawValue ? "not routed" : destination.state,
            "why": destination.why,
            "hint": destination.hint ?? false,
            "replayable": destination.replayable,
            "hasAttempts": !destination.attempts.isEmpty,
            "attempts": destination.attempts.map { attempt -> [String: Any] in
                [
                    "attempt": String(attempt.attempt),
                    "atUTC": ConsoleTime.utc(attempt.at),
                    "outcome": attempt.outcome.rawValue,
                    "status": attempt.reason?.status.map(String.init) ?? "–",
                    "latency": String(attempt.latencyMilliseconds),
                    "code": attempt.reason?.code ?? "",
                    "message": String(decoding: (attempt.reason?.message ?? "").utf8.prefix(1024), as: UTF8.self),
                ]
            },
        ]
    }

    /// The event as stored, indented, with its properties exactly as they were sent; an erased
    /// event has no properties, only when they were erased.
    static func storedJSON(_ event: RetentionEvent, erasedAt: Timestamp? = nil) -> String {
        var head: [String: JSONValue] = [
            "id": .string(event.id),
            "type": .string(event.type.rawValue),
            "tenant": .string(event.tenant),
            "occurred_at": .string(event.occurredAt.iso8601),
            "received_at": .string(event.receivedAt.iso8601),
        ]
        if let erasedAt {
            head["properties_erased_at"] = .string(erasedAt.iso8601)
            return PrettyJSON.format(JSONWriter.serialize(.object(head)))
        }
        let properties = event.encodedProperties ?? JSONWriter.serialize(.object(event.properties))
        head["properties"] = .null
        var text = JSONWriter.serialize(.object(head))
        // Splice the stored properties text in place of the placeholder, keeping its key order.
        let placeholder = Array(#""properties":null"#.utf8)
        if let range = text.firstRange(of: placeholder) {
            text.replaceSubrange(range, with: Array(#""properties":"#.utf8) + properties)
        }
        return PrettyJSON.format(text)
    }

    static func scanText(_ page: EventPage, query: EventQuery) -> String {
        let shown = "\(page.entries.count) event\(page.entries.count == 1 ? "" : "s") shown"
        guard page.scanned > 0 else { return shown + "." }
        var text = shown + "; looked through \(Self.count(page.scanned)) event\(page.scanned == 1 ? "" : "s")"
        if let back = page.scannedBackTo { text += " back to \(ConsoleTime.utc(back))" }
        text += page.next == nil ? ", the oldest there is." : "; use “Older events” to look further."
        return text
    }

    static func parameters(_ request: Request) -> [String: String] {
        OperatorFilters.parameters(query: request.uri.query)
    }

    static func options(_ values: [String], selected: String?) -> [[String: Any]] {
        values.map { ["value": $0, "selected": $0 == selected] }
    }

    static func queryString(_ parameters: [String: String]) -> String {
        parameters.filter { !$0.value.isEmpty && $0.key != "notice" }.sorted { $0.key < $1.key }
            .map { "\(FormBody.encode($0.key))=\(FormBody.encode($0.value))" }.joined(separator: "&")
    }
}
