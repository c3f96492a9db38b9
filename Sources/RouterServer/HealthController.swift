import Hummingbird
import RouterCore

/// `GET /healthz`: the process is up and serving HTTP.
struct HealthController: Sendable {
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in
            JSONResponse.make(status: .ok, json: ["status": "ok"])
        }
    }
}
