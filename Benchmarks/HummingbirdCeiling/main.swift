// The framework's ceiling for ingest: a bare Hummingbird route that collects the request body
// and answers 202, nothing else. `scripts/bench-ingest.sh` measures it beside the router with the
// same wrk load. Built only when ENABLE_BENCHMARKS=1 (see Package.swift).
import Hummingbird

let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 0
let router = Router()
router.post("/v1/tenants/:tenant/events") { request, _ -> Response in
    _ = try await request.body.collect(upTo: 1 << 20)
    return Response(status: .accepted)
}
let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port))
)
try await app.runService()
