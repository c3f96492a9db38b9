import Foundation
import Hummingbird
import RouterConsole
import RouterCore

/// `POST /v1/admin/reload` and `PUT /v1/admin/tenants/{tenant}`: change the config live.
struct AdminController: Sendable {
    let reloader: ConfigReloader
    let authenticator: AdminAuthenticator
    let tenants: TenantDirectory
    /// Records each reload in the audit log.
    let service: OperatorService

    func addRoutes(to router: Router<RouterRequestContext>) {
        router.post("/v1/admin/reload") { request, context in
            try self.authenticator.authorize(request)
            let result = await self.reloader.reload()
            await self.service.record(.admin(.reload, context: context, detail: Self.detail(result)))
            return Self.answer(result)
        }
        router.post("/v1/admin/validate") { request, context in
            try self.authenticator.authorize(request)
            let errors = await self.reloader.validate()
            await self.service.record(.admin(.validate, context: context, detail: errors.isEmpty ? "valid" : "\(errors.count) problem\(errors.count == 1 ? "" : "s")"))
            return JSONResponse.make(
                status: .ok,
                json: ["valid": .bool(errors.isEmpty), "folder": .string(self.reloader.folder), "errors": .array(errors.map(Self.error))]
            )
        }
        router.get("/v1/admin/config") { request, _ in
            try self.authenticator.authorize(request, needs: .viewer)
            return JSONResponse.make(status: .ok, json: OperationsJSON.configuration(ConfigurationView(self.tenants.all())))
        }
        router.put("/v1/admin/tenants/:tenant") { request, context in
            try self.authenticator.authorize(request)
            let body = try await request.collectBody(upTo: 1 << 20)
            let name = context.pathParameter("tenant")
            let result = await self.reloader.put(tenant: name, json: Data(body.readableBytesView))
            await self.service.record(.admin(.reload, context: context, tenant: name, detail: "tenant file put; " + Self.detail(result)))
            return Self.answer(result)
        }
    }

    /// What a reload did, in a few words for the audit log.
    static func detail(_ result: Result<ConfigReloader.Summary, ConfigErrors>) -> String {
        switch result {
        case .success(let summary):
            let changes = summary.changes
            return "applied: \(summary.tenants.count) tenants; destinations +\(changes.added.count) ~\(changes.changed.count) -\(changes.removed.count)"
        case .failure(let errors):
            return "refused: \(errors.errors.count) error\(errors.errors.count == 1 ? "" : "s")"
        }
    }

    static func error(_ error: ConfigError) -> JSONValue {
        ["file": .string(error.file), "path": .string(error.path), "code": .string(error.code.description), "message": .string(error.message)]
    }

    static func answer(_ result: Result<ConfigReloader.Summary, ConfigErrors>) -> Response {
        switch result {
        case .success(let summary):
            return JSONResponse.make(status: .ok, json: summary.json)
        case .failure(let errors):
            let list = errors.errors.map(Self.error)
            return JSONResponse.make(
                status: .unprocessableContent,
                json: [
                    "error": [
                        "code": "invalid_config",
                        "message": .string("the configuration was refused; the running one stays: \(errors.errors.first?.description ?? "")"),
                    ],
                    "errors": .array(list),
                ]
            )
        }
    }
}
