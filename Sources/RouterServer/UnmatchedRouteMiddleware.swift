import HTTPTypes
import Hummingbird
import RouterConsole
import RouterCore

/// Answers requests no route takes with the API's JSON error: 404 `not_found` for an unknown
/// path, 405 `method_not_allowed` with `Allow` for a known path and another method.
///
/// Added to the router after every route, so it wraps only the not-found responder and costs
/// matched requests nothing.
struct UnmatchedRouteMiddleware: RouterMiddleware {
    typealias Context = RouterRequestContext

    /// Each route's path split into segments (`:name` and `*` match any one segment) and its method.
    private let routes: [(segments: [Substring], method: HTTPRequest.Method)]

    init(routes: [Router<RouterRequestContext>.RouteDescription]) {
        self.routes = routes.map { route in
            (route.path.description.split(separator: "/"), route.method)
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let segments = request.uri.path.split(separator: "/")
            var allowed = Set(self.routes.filter { Self.matches($0.segments, segments) }.map(\.method.rawValue))
            if allowed.contains("GET") { allowed.insert("HEAD") }
            guard !allowed.isEmpty else {
                throw APIError(.notFound, code: "not_found", message: "no route \(request.method.rawValue) \(request.uri.path); see the README's API sections")
            }
            let list = allowed.sorted().joined(separator: ", ")
            throw APIError(
                .methodNotAllowed,
                code: "method_not_allowed",
                message: "\(request.uri.path) takes \(list), not \(request.method.rawValue)",
                headers: [.allow: list]
            )
        }
    }

    private static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        if pattern.last == "**" { return path.count >= pattern.count - 1 && zip(pattern.dropLast(), path).allSatisfy(Self.segmentMatches) }
        return pattern.count == path.count && zip(pattern, path).allSatisfy(Self.segmentMatches)
    }

    private static func segmentMatches(_ pair: (Substring, Substring)) -> Bool {
        pair.0 == pair.1 || pair.0.hasPrefix(":") || pair.0 == "*" || (pair.0.hasPrefix("{") && pair.0.hasSuffix("}"))
    }
}
