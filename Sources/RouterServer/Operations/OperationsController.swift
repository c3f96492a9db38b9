import Foundation
import HTTPTypes
import Hummingbird
import RouterCore

/// The operator's routes: where is event X, what failed, send it again. All need the admin token.
struct OperationsController: Sendable {
    let tenants: TenantDirectory
    let store: any EventStore
    let supervisor: DeliverySupervisor
    let authenticator: AdminAuthenticator

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/tenants/:tenant/events/:id") { request, context in
            try self.authenticator.authorize(request)
            return try await self.status(tenant: context.parameters.get("tenant") ?? "", id: context.parameters.get("id") ?? "")
        }
        router.get("/v1/tenants/:tenant/dead-letters") { request, context in
            try self.authenticator.authorize(request)
            return try await self.deadLetters(tenant: context.parameters.get("tenant") ?? "", request: request)
        }
        router.post("/v1/tenants/:tenant/dead-letters/replay") { request, context in
            try self.authenticator.authorize(request)
            let body = try await request.body.collect(upTo: 1 << 20)
            return try await self.replay(tenant: context.parameters.get("tenant") ?? "", body: Array(body.readableBytesView))
        }
    }

    /// Tenants known to the store include removed ones, so their backlog stays inspectable.
    private func requireTenant(_ name: String) throws(APIError) {
        guard Identifier.isValid(name) else {
            throw APIError(.notFound, code: "unknown_tenant", message: "no tenant named \"\(name)\"", field: "tenant")
        }
    }

    func status(tenant: String, id: String) async throws -> Response {
        try self.requireTenant(tenant)
        guard let status = try await self.store.status(tenant: tenant, id: id) else {
            throw APIError(.notFound, code: "unknown_event", message: "tenant \(tenant) has no event with id \"\(id)\"", field: "id")
        }
        return JSONResponse.make(status: .ok, json: OperationsJSON.status(status))
    }

    func deadLetters(tenant: String, request: Request) async throws -> Response {
        try self.requireTenant(tenant)
        let query = request.uri.queryParameters
        var filter = DeadLetterQuery()
        filter.destination = query["destination"].map(String.init)
        filter.since = try Self.timestamp(query["since"].map(String.init), field: "since")
        filter.until = try Self.timestamp(query["until"].map(String.init), field: "until")
        if let limit = query["limit"] {
            guard let value = Int(limit), (1...1000).contains(value) else {
                throw APIError(.unprocessableContent, code: "invalid_field", message: "must be a whole number from 1 to 1000", field: "limit")
            }
            filter.limit = value
        }
        if let cursor = query["cursor"] {
            guard let value = DeadLetterCursor(String(cursor)) else {
                throw APIError(.unprocessableContent, code: "invalid_field", message: "must be the `next` value of the previous page", field: "cursor")
            }
            filter.after = value
        }
        let page = try await self.store.deadLetters(tenant: tenant, query: filter)
        var body: [String: JSONValue] = ["deadLetters": .array(page.map(OperationsJSON.deadLetter))]
        if page.count == filter.limit, let last = page.last {
            body["next"] = .string(DeadLetterCursor(sequence: last.sequence, destination: last.partition.destination).description)
        }
        return JSONResponse.make(status: .ok, json: .object(body))
    }

    func replay(tenant: String, body: [UInt8]) async throws -> Response {
        try self.requireTenant(tenant)
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            throw APIError(.badRequest, code: error.code.rawValue, message: error.description)
        }
        let selection = try Self.selection(document)
        let result = try await self.store.replay(tenant: tenant, selection: selection, now: .now())
        self.supervisor.notify(result.replayed.keys)
        let perDestination = Dictionary(uniqueKeysWithValues: result.replayed.map { ($0.key.destination, JSONValue.number(JSONNumber(Int64($0.value)))) })
        return JSONResponse.make(
            status: .ok,
            json: [
                "replayed": .number(JSONNumber(Int64(result.count))),
                "destinations": .object(perDestination),
                "notFound": .array(result.notFound.map { .string($0) }),
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

    private static func timestamp(_ text: String?, field: String) throws(APIError) -> Timestamp? {
        guard let text else { return nil }
        guard let timestamp = Timestamp(iso8601: text) else {
            throw APIError(.unprocessableContent, code: "invalid_field", message: "must be an ISO-8601 date-time such as 2026-11-25T00:00:00Z", field: field)
        }
        return timestamp
    }
}
