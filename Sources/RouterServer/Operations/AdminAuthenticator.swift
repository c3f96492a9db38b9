import HTTPTypes
import Hummingbird
import RouterConsole
import Signing

/// Guards the operator routes with the bearer tokens from `router.json`: the admin token opens
/// every route, the viewer token only the ones that read (answered with masked values).
///
/// Without an admin token the routes stay closed to everyone but a viewer. The comparisons
/// are constant-time; a tenant's ingest secret never opens these routes.
struct AdminAuthenticator: Sendable {
    let tokens: OperatorTokens

    init(tokens: OperatorTokens) {
        self.tokens = tokens
    }

    /// The caller's role when its bearer token grants `needs`; otherwise 401 (no or wrong
    /// token) or 403 (the viewer token on a route that changes something or reveals values).
    @discardableResult
    func authorize(_ request: Request, needs: OperatorRole = .admin) throws(APIError) -> OperatorRole {
        guard self.tokens.isOpen else {
            throw APIError(
                .unauthorized,
                code: "admin_disabled",
                message: "the admin API is closed: set the admin token (router.json adminToken, e.g. {\"env\": \"ROUTER_ADMIN_TOKEN\"} as the shipped router.json has) to open every route, or the viewer token (viewerToken, e.g. {\"env\": \"ROUTER_VIEWER_TOKEN\"}) to open the routes that read, and restart"
            )
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, code: "missing_token", message: "send Authorization: Bearer <admin or viewer token>", field: "authorization")
        }
        guard let role = self.tokens.role(for: header.dropFirst("Bearer ".count)) else {
            throw APIError(.unauthorized, code: "wrong_token", message: "the token is neither the admin nor the viewer token", field: "authorization")
        }
        guard role.allows(needs) else {
            throw APIError(
                .forbidden,
                code: "viewer_read_only",
                message: "the viewer token may only read; this route needs the admin token",
                field: "authorization"
            )
        }
        return role
    }
}
