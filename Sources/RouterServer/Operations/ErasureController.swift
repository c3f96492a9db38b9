import Hummingbird
import RouterConsole
import RouterCore

/// `DELETE /v1/tenants/{tenant}/events/{id}/payload` and `POST /v1/tenants/{tenant}/erasures`:
/// erase what a person asked to be forgotten. Admin token; every erasure is in the audit log.
struct ErasureController: Sendable {
    let tenants: TenantDirectory
    let store: any EventStore
    let authenticator: AdminAuthenticator
    let service: OperatorService

    /// The largest bulk-erasure body read.
    static let maxBodyBytes = 1 << 16
    /// The longest property name and value taken, in Unicode scalars (as JSON Schema counts).
    static let maxPropertyLength = 200
    static let maxValueLength = 1000

    func addRoutes(to router: Router<RouterRequestContext>) {
        router.delete("/v1/tenants/:tenant/events/:id/payload") { request, context in
            try self.authenticator.authorize(request)
            let tenant = context.pathParameter("tenant")
            let id = context.pathParameter("id")
            try await self.tenants.requireKnown(tenant, store: self.store)
            guard let result = try await self.service.erase(tenant: tenant, id: id) else {
                throw APIError(.notFound, code: "unknown_event", message: "tenant \(tenant) has no event with id \"\(id)\"", field: "id")
            }
            if !result.alreadyErased {
                let parked = result.deadLettered.map(\.destination).sorted()
                let detail = parked.isEmpty ? "nothing was waiting" : "waiting deliveries dead-lettered: \(parked.joined(separator: ", "))"
                await self.service.record(.admin(.erase, context: context, tenant: tenant, eventID: id, detail: detail))
            }
            return JSONResponse.make(status: .ok, json: OperationsJSON.erasure(result))
        }
        router.post("/v1/tenants/:tenant/erasures") { request, context in
            try self.authenticator.authorize(request)
            let tenant = context.pathParameter("tenant")
            try await self.tenants.requireKnown(tenant, store: self.store)
            let body = try await request.collectBody(upTo: Self.maxBodyBytes)
            let input = try Self.bulkRequest(try Self.document(Array(body.readableBytesView)))
            let result = try await self.service.eraseMatching(tenant: tenant, property: input.property, value: input.value, dryRun: input.dryRun)
            if !result.dryRun {
                // The property's name and the count: the value is what was to be forgotten.
                let parked = result.deadLettered.values.reduce(0, +)
                let detail = "property \(input.property): \(result.matched) erased, \(parked) waiting deliveries dead-lettered"
                await self.service.record(.admin(.eraseMatching, context: context, tenant: tenant, detail: detail))
            }
            return JSONResponse.make(status: .ok, json: OperationsJSON.bulkErasure(result))
        }
    }

    /// The body as JSON; 400 when it is not.
    static func document(_ body: [UInt8]) throws(APIError) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw APIError(.badRequest, code: error.code.rawValue, message: error.description)
        }
    }

    /// `{"property": "user_id", "value": "u_123", "dryRun": true}`; `value` may also be a
    /// number, matched by its text.
    static func bulkRequest(_ document: JSONValue) throws(APIError) -> (property: String, value: String, dryRun: Bool) {
        guard case .object(let members) = document else {
            throw APIError(.unprocessableContent, code: "invalid_field", message: "the body must be a JSON object with property, value and dryRun")
        }
        if let unknown = members.keys.sorted().first(where: { !["property", "value", "dryRun"].contains($0) }) {
            throw APIError(.unprocessableContent, code: "unknown_field", message: "unknown field; the body takes property, value and dryRun", field: unknown)
        }
        let property: String
        switch members["property"] {
        case .string(let name)? where (1...Self.maxPropertyLength).contains(name.unicodeScalars.count):
            property = name
        case nil:
            throw APIError(.unprocessableContent, code: "missing_field", message: "give the property's exact name, e.g. \"user_id\"", field: "property")
        default:
            throw APIError(
                .unprocessableContent,
                code: "invalid_field",
                message: "must be a property name of 1 to \(Self.maxPropertyLength) characters, e.g. \"field.cancel.email\"",
                field: "property"
            )
        }
        let value: String
        switch members["value"] {
        case .string(let text)? where (1...Self.maxValueLength).contains(text.unicodeScalars.count):
            value = text
        case .number(let number)?:
            value = number.text
        case nil:
            throw APIError(.unprocessableContent, code: "missing_field", message: "give the value to erase, e.g. \"u_123\"", field: "value")
        default:
            throw APIError(
                .unprocessableContent,
                code: "invalid_field",
                message: "must be a string of 1 to \(Self.maxValueLength) characters, or a number",
                field: "value"
            )
        }
        guard case .bool(let dryRun)? = members["dryRun"] else {
            throw APIError(
                .unprocessableContent,
                code: members["dryRun"] == nil ? "missing_field" : "invalid_field",
                message: "say true to count the matching events first, false to erase them",
                field: "dryRun"
            )
        }
        return (property, value, dryRun)
    }
}
