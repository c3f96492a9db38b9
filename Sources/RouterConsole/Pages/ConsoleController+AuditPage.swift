import Hummingbird
import RouterCore

extension ConsoleController {
    /// The audit log, newest first, filtered by action and tenant.
    func auditPage(_ request: Request) async throws -> Response {
        try await self.withSession(request, form: false) { session, _ in
            let parameters = Self.parameters(request)
            var context: [String: Any] = [
                "filter": parameters,
                "actions": Self.options(AuditEntry.Action.all.map(\.rawValue), selected: parameters["action"]),
                "hasEntries": false,
                "retention": "by default 7 days: recordRetentionDays in router.json",
            ]
            let frame = self.frame("Audit log", session: session, section: .audit, request: request)
            let query: AuditQuery
            do {
                query = try OperatorFilters.auditQuery(parameters)
            } catch let error as OperatorInputError {
                context["error"] = "\(error.field): \(error.message)"
                return self.renderer.page("audit", context, frame: frame, status: .unprocessableContent)
            }
            let page = try await self.service.audit(query: query)
            context["hasEntries"] = !page.entries.isEmpty
            context["entries"] = page.entries.map { entry -> [String: Any] in
                var row: [String: Any] = [
                    "atUTC": ConsoleTime.utc(entry.at),
                    "action": entry.action.rawValue,
                    "role": entry.role.rawValue,
                    "address": entry.address ?? "–",
                    "tenant": entry.tenant ?? "",
                    "destination": entry.destination ?? "",
                    "eventID": entry.eventID ?? "",
                    "detail": entry.detail ?? "",
                ]
                if let tenant = entry.tenant, let id = entry.eventID, Identifier.isValid(tenant) {
                    row["eventPath"] = "/console/tenants/\(tenant)/events/\(FormBody.encode(id))"
                }
                return row
            }
            if let next = page.next {
                var linkParameters = parameters
                linkParameters["cursor"] = String(next)
                context["nextLink"] = "/console/audit?" + Self.queryString(linkParameters)
            }
            return self.renderer.page("audit", context, frame: frame)
        }
    }
}
