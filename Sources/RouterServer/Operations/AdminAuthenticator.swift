import HTTPTypes
import Hummingbird
import Signing

/// Guards the admin and inspection routes with the bearer token from `router.json`.
///
/// Without a token the admin routes stay closed. The comparison is constant-time; a tenant's
/// ingest secret never opens these routes.
struct AdminAuthenticator: Sendable {
    let token: String?

    func authorize(_ request: Request) throws(APIError) {
        guard let token = self.token else {
            throw APIError(
                .unauthorized,
                code: "admin_disabled",
                message: "the admin API is closed: set the admin token (router.json adminToken, by default $ROUTER_ADMIN_TOKEN) and restart"
            )
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, code: "missing_token", message: "send Authorization: Bearer <admin token>", field: "authorization")
        }
        guard ConstantTime.equal(Array(header.dropFirst("Bearer ".count).utf8), Array(token.utf8)) else {
            throw APIError(.unauthorized, code: "wrong_token", message: "the admin token is wrong", field: "authorization")
        }
    }
}
