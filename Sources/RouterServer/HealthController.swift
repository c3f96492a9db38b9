import Hummingbird
import RouterConsole
import RouterCore

/// `GET /healthz`: the process is up and serving HTTP, and which build it runs.
struct HealthController: Sendable {
    func addRoutes(to router: Router<RouterRequestContext>) {
        router.get("/healthz") { _, _ in
            JSONResponse.make(
                status: .ok,
                json: ["status": "ok", "version": .string(RouterIdentity.version), "commit": .string(RouterIdentity.commit)]
            )
        }
    }
}
