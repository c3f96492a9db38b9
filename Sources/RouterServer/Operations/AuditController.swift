import Hummingbird
import RouterConsole
import RouterCore

/// `GET /v1/audit`: the audit log, newest first, one page at a time. Admin or viewer token.
struct AuditController: Sendable {
    let authenticator: AdminAuthenticator
    let service: OperatorService

    func addRoutes(to router: Router<RouterRequestContext>) {
        router.get("/v1/audit") { request, _ in
            try self.authenticator.authorize(request, needs: .viewer)
            let query = try OperationsController.input { () throws(OperatorInputError) in
                try OperatorFilters.auditQuery(OperationsController.parameters(request))
            }
            return JSONResponse.make(status: .ok, json: OperationsJSON.auditPage(try await self.service.audit(query: query)))
        }
    }
}
