import HTTPTypes
import Hummingbird

/// A route as the OpenAPI document names it: a method and a path with `{name}` parameters,
/// e.g. `GET /v1/tenants/{tenant}/events`.
public struct RouteSignature: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The HTTP method, upper case.
    public var method: String
    /// The path, starting with `/`, parameters as `{name}`.
    public var path: String

    /// Creates a signature.
    public init(method: String, path: String) {
        self.method = method.uppercased()
        self.path = path
    }

    init(_ route: Router<some RequestContext>.RouteDescription) {
        // Hummingbird describes captures as `{name}` already; `:name` is normalized in case.
        let segments = route.path.description.split(separator: "/").map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
        }
        self.init(method: route.method.rawValue, path: "/" + segments.joined(separator: "/"))
    }

    public var description: String { "\(self.method) \(self.path)" }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.path, lhs.method) < (rhs.path, rhs.method) }
}
