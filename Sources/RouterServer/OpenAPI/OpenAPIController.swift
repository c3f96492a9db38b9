import Hummingbird
import NIOCore
import RouterConsole

/// `GET /openapi.json`: the API contract, compiled into the binary; no token needed.
struct OpenAPIController: Sendable {
    /// The document's bytes, encoded once.
    static let body = ByteBuffer(string: OpenAPIDocument.json)

    func addRoutes(to router: Router<RouterRequestContext>) {
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: Self.body))
        }
    }
}
