import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RouterConsole
import RouterCore

/// The operator's routes: where is event X, what failed, send it again. All need the admin token.
struct OperationsController: Sendable {
    let tenants: TenantDirectory
    let store: any EventStore
    let authenticator: AdminAuthenticator
    let service: OperatorService

    func addRoutes(to router: Router<RouterRequestContext>) {
        router.get("/v1/tenants") { request, _ in
            try self.authenticator.authorize(request, needs: .viewer)
            return JSONResponse.make(status: .ok, json: ["tenants": .array(self.tenants.all().map(OperationsJSON.tenant))])
        }
        router.get("/v1/tenants/:tenant/events") { request, context in
            let role = try self.authenticator.authorize(request, needs: .viewer)
            let tenant = context.pathParameter("tenant")
            try await self.requireTenant(tenant)
            let query = try Self.input { () throws(OperatorInputError) in try OperatorFilters.eventQuery(Self.parameters(request)) }
            // Which events match a value would tell a viewer the masked values one guess at a time.
            if role == .viewer, query.text != nil, self.service.masks(tenant: tenant) {
                throw APIError(
                    .forbidden,
                    code: "viewer_read_only",
                    message: "tenant \(tenant) masks properties, so searching property values needs the admin token",
                    field: "q"
                )
            }
            return JSONResponse.make(status: .ok, json: OperationsJSON.eventPage(try await self.service.events(tenant: tenant, query: query)))
        }
        router.get("/v1/destinations/health") { request, _ in
            try self.authenticator.authorize(request, needs: .viewer)
            let rows = try await self.service.overview(now: .now())
            return JSONResponse.make(status: .ok, json: ["destinations": .array(rows.map(OperationsJSON.overview))])
        }
        router.get("/v1/tenants/:tenant/dead-letters/count") { request, context in
            try self.authenticator.authorize(request, needs: .viewer)
            let tenant = context.pathParameter("tenant")
            try await self.requireTenant(tenant)
            let now = Timestamp.now()
            let query = try Self.input { () throws(OperatorInputError) in try OperatorFilters.deadLetterQuery(Self.parameters(request)) }
                .counted(asOf: now)
            let count = try await self.service.countDeadLetters(tenant: tenant, query: query)
            return JSONResponse.make(status: .ok, json: ["count": .number(JSONNumber(Int64(count))), "until": .string(query.until?.iso8601 ?? now.iso8601)])
        }
        router.post("/v1/tenants/:tenant/destinations/:destination/retry-now") { request, context in
            try self.authenticator.authorize(request)
            let tenant = context.pathParameter("tenant")
            let destination = context.pathParameter("destination")
            try await self.requireTenant(tenant)
            guard self.tenants.tenant(named: tenant)?.destinations.contains(where: { $0.id == destination }) == true else {
                throw APIError(.notFound, code: "unknown_destination", message: "tenant \(tenant) has no destination \"\(destination)\"", field: "destination")
            }
            let count = try await self.service.retryNow(PartitionKey(tenant: tenant, destination: destination))
            await self.service.record(.admin(.retryNow, context: context, tenant: tenant, destination: destination, detail: "\(count) retries due now"))
            return JSONResponse.make(status: .ok, json: ["retried": .number(JSONNumber(Int64(count)))])
        }
        router.post("/v1/tenants/:tenant/destinations/:destination/test") { request, context in
            try self.authenticator.authorize(request)
            let name = context.pathParameter("tenant")
            let id = context.pathParameter("destination")
            guard let tenant = self.tenants.tenant(named: name) else {
                throw APIError(.notFound, code: "unknown_tenant", message: "no tenant named \"\(name)\" is configured", field: "tenant")
            }
            guard let destination = tenant.destinations.first(where: { $0.id == id }) else {
                throw APIError(.notFound, code: "unknown_destination", message: "tenant \(name) has no destination \"\(id)\"", field: "destination")
            }
            let report = await self.service.testSend(tenant: tenant, destination: destination)
            let detail = report.outcome + (report.status.map { " \($0)" } ?? "") + " in \(report.latencyMilliseconds) ms"
            await self.service.record(.admin(.testSend, context: context, tenant: name, destination: id, eventID: report.eventID, detail: detail))
            return JSONResponse.make(status: .ok, json: OperationsJSON.testSend(report))
        }
        router.post("/v1/tenants/:tenant/destinations/:destination/preview") { request, context in
            try self.authenticator.authorize(request)
            return try await self.preview(
                tenant: context.pathParameter("tenant"),
                destination: context.pathParameter("destination"),
                request: request
            )
        }
        router.get("/v1/tenants/:tenant/events/:id") { request, context in
            // `?reveal=true` shows masked properties: the admin's right, and logged.
            let reveal = Self.parameters(request)["reveal"] == "true"
            try self.authenticator.authorize(request, needs: reveal ? .admin : .viewer)
            let tenant = context.pathParameter("tenant")
            let id = context.pathParameter("id")
            let answer = try await self.status(tenant: tenant, id: id, reveal: reveal)
            if reveal, self.service.masks(tenant: tenant) {
                await self.service.record(.admin(.reveal, context: context, tenant: tenant, eventID: id))
            }
            return answer
        }
        router.get("/v1/tenants/:tenant/dead-letters") { request, context in
            try self.authenticator.authorize(request, needs: .viewer)
            return try await self.deadLetters(tenant: context.pathParameter("tenant"), request: request)
        }
        router.post("/v1/tenants/:tenant/dead-letters/replay") { request, context in
            try self.authenticator.authorize(request)
            let body = try await request.collectBody(upTo: 1 << 20)
            return try await self.replay(tenant: context.pathParameter("tenant"), body: Array(body.readableBytesView), context: context)
        }
    }

    /// What a destination would send for the events in the body (shaped like an ingest body,
    /// unsigned), as the tenant is configured now; nothing is stored or sent.
    private func preview(tenant name: String, destination id: String, request: Request) async throws -> Response {
        guard let tenant = self.tenants.tenant(named: name) else {
            throw APIError(.notFound, code: "unknown_tenant", message: "no tenant named \"\(name)\" is configured", field: "tenant")
        }
        guard let destination = tenant.destinations.first(where: { $0.id == id }) else {
            throw APIError(.notFound, code: "unknown_destination", message: "tenant \(name) has no destination \"\(id)\"", field: "destination")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxPreviewBytes)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "a preview body may hold at most \(Self.maxPreviewBytes) bytes")
        }
        let now = Timestamp.now()
        let events: [RetentionEvent]
        do {
            events = try IngestDecoder().decode(Array(body.readableBytesView), tenant: tenant.name, receivedAt: now)
        } catch {
            throw APIError(error)
        }
        return JSONResponse.make(status: .ok, json: PreviewReport(tenant: tenant, destination: destination, events: events, now: now).json)
    }

    /// The largest body the preview route reads.
    static let maxPreviewBytes = 1 << 20

    /// The query parameters, the first value of each name.
    static func parameters(_ request: Request) -> [String: String] {
        OperatorFilters.parameters(query: request.uri.query)
    }

    /// Runs a filter parser, answering its error as 422 naming the parameter.
    static func input<Value>(_ parse: () throws(OperatorInputError) -> Value) throws(APIError) -> Value {
        do {
            return try parse()
        } catch {
            throw APIError(.unprocessableContent, code: "invalid_field", message: error.message, field: error.field)
        }
    }

    /// Configured tenants, and removed ones whose events the store still holds (so their
    /// backlog stays inspectable), are known; any other name answers 404 `unknown_tenant`.
    private func requireTenant(_ name: String) async throws {
        try await self.tenants.requireKnown(name, store: self.store)
    }

    func status(tenant: String, id: String, reveal: Bool) async throws -> Response {
        try await self.requireTenant(tenant)
        guard let shown = try await self.service.maskedStatus(tenant: tenant, id: id, reveal: reveal) else {
            throw APIError(.notFound, code: "unknown_event", message: "tenant \(tenant) has no event with id \"\(id)\"", field: "id")
        }
        let detail = shown.detail(tenant: self.tenants.tenant(named: tenant))
        var json = OperationsJSON.explainedStatus(shown.status, detail: detail)
        if case .object(var members) = json {
            members["masked"] = .bool(shown.isMasked)
            json = .object(members)
        }
        return JSONResponse.make(status: .ok, json: json)
    }

    func deadLetters(tenant: String, request: Request) async throws -> Response {
        try await self.requireTenant(tenant)
        let filter = try Self.input { () throws(OperatorInputError) in try OperatorFilters.deadLetterQuery(Self.parameters(request)) }
        let page = try await self.store.deadLetters(tenant: tenant, query: filter)
        let masked = self.service.masks(tenant: tenant)
        var body: [String: JSONValue] = [
            "deadLetters": .array(
                page.map { record in
                    var record = record
                    record.reason = record.reason.listed(masked: masked)
                    return OperationsJSON.deadLetter(record)
                }
            )
        ]
        if page.count == filter.limit, let last = page.last {
            body["next"] = .string(DeadLetterCursor(sequence: last.sequence, destination: last.partition.destination).description)
        }
        return JSONResponse.make(status: .ok, json: .object(body))
    }

    func replay(tenant: String, body: [UInt8], context: RouterRequestContext) async throws -> Response {
        try await self.requireTenant(tenant)
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            throw APIError(.badRequest, code: error.code.rawValue, message: error.description)
        }
        let selection = try Self.selection(document)
        let result = try await self.service.replay(tenant: tenant, selection: selection)
        await self.service.record(ReplayAudit.entry(result, selection: selection, tenant: tenant, context: context))
        let perDestination = Dictionary(uniqueKeysWithValues: result.replayed.map { ($0.key.destination, JSONValue.number(JSONNumber(Int64($0.value)))) })
        return JSONResponse.make(
            status: .ok,
            json: [
                "replayed": .number(JSONNumber(Int64(result.count))),
                "destinations": .object(perDestination),
                "notFound": .array(result.notFound.map { .string($0) }),
                "erased": .array(result.erased.map { .string($0) }),
            ]
        )
    }

    /// `{"id": "x"}`, `{"ids": [...]}` (optionally with `destination`), or
    /// `{"destination": "d", "since": "ISO-8601"}` / `{"destination": "d", "all": true}`.
    static func selection(_ document: JSONValue) throws(APIError) -> ReplaySelection {
        guard case .object(let members) = document else {
            throw APIError(.unprocessableContent, code: "invalid_field", message: "the body must be a JSON object")
        }
        let destination: String?
        switch members["destination"] {
        case nil: destination = nil
        case .string(let value)?: destination = value
        default: throw APIError(.unprocessableContent, code: "invalid_field", message: "must be a destination id", field: "destination")
        }
        if let matching = members["matching"] {
            guard case .object(let filter) = matching else {
                throw APIError(.unprocessableContent, code: "invalid_field", message: "must be an object of destination, reason, since, until", field: "matching")
            }
            if let other = ["destination", "id", "ids", "since"].first(where: { members[$0] != nil }) {
                throw APIError(.unprocessableContent, code: "invalid_field", message: "put every filter inside \"matching\"; it cannot be combined with \"\(other)\"", field: other)
            }
            // Everything of a tenant is replayed only when asked for in so many words.
            guard !filter.isEmpty || members["all"] == .bool(true) else {
                throw APIError(
                    .unprocessableContent,
                    code: "missing_field",
                    message: "give at least one of destination, reason, since, until inside \"matching\"",
                    field: "matching"
                )
            }
            var parameters: [String: String] = [:]
            for (name, value) in filter {
                guard ["destination", "reason", "since", "until"].contains(name), case .string(let text) = value else {
                    throw APIError(.unprocessableContent, code: "invalid_field", message: "takes the strings destination, reason, since and until", field: "matching.\(name)")
                }
                parameters[name] = text
            }
            let query = try Self.input { () throws(OperatorInputError) in try OperatorFilters.deadLetterQuery(parameters) }
            return .matching(query.counted(asOf: .now()))
        }
        if let id = members["id"] {
            guard case .string(let value) = id else {
                throw APIError(.unprocessableContent, code: "invalid_field", message: "must be an event id", field: "id")
            }
            return .ids([value], destination: destination)
        }
        if let ids = members["ids"] {
            guard case .array(let items) = ids, !items.isEmpty, items.count <= 10_000 else {
                throw APIError(.unprocessableContent, code: "invalid_field", message: "must be a list of 1 to 10000 event ids", field: "ids")
            }
            var values: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let value) = item else {
                    throw APIError(.unprocessableContent, code: "invalid_field", message: "must be an event id", field: "ids[\(index)]")
                }
                values.append(value)
            }
            return .ids(values, destination: destination)
        }
        guard let destination else {
            throw APIError(
                .unprocessableContent,
                code: "missing_field",
                message: "give \"id\", \"ids\", or \"destination\" with \"since\" (or \"all\": true)",
                field: "id"
            )
        }
        if case .string(let since)? = members["since"] {
            guard let timestamp = Timestamp(iso8601: since) else {
                throw APIError(.unprocessableContent, code: "invalid_field", message: "must be an ISO-8601 date-time", field: "since")
            }
            return .destination(destination, since: timestamp)
        }
        guard members["all"] == .bool(true) else {
            throw APIError(
                .unprocessableContent,
                code: "missing_field",
                message: "to replay a whole destination give \"since\" or \"all\": true",
                field: "since"
            )
        }
        return .destination(destination, since: nil)
    }
}
