import Foundation
import Hummingbird
import RouterConsole
import RouterCore

/// `POST /v1/admin/reload` and `PUT /v1/admin/tenants/{tenant}`: change the config live.
struct AdminController: Sendable {
    let reloader: ConfigReloader
    let authenticator: AdminAuthenticator
    let tenants: TenantDirectory

    func addRoutes(to router: Router<RouterRequestContext>) {
        router.post("/v1/admin/reload") { request, _ in
            try self.authenticator.authorize(request)
            return Self.answer(await self.reloader.reload())
        }
        router.post("/v1/admin/validate") { request, _ in
            try self.authenticator.authorize(request)
            let errors = await self.reloader.validate()
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
            return Self.answer(await self.reloader.put(tenant: name, json: Data(body.readableBytesView)))
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
