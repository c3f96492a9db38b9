import Foundation

/// A parsed `postgres://user[:password]@host[:port]/database[?sslmode=MODE]` URL.
///
/// Its description never shows the password.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// How the connection uses TLS, after libpq's `sslmode`.
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Never (the default when the URL says nothing).
        case disable
        /// TLS when the server offers it, without checking its certificate.
        case prefer
        /// TLS or no connection, without checking the certificate.
        case require
        /// TLS with the certificate checked against the system's roots and the host name.
        case verifyFull = "verify-full"
    }

    /// A URL that cannot be used, with the reason.
    public struct Invalid: Error, Sendable, Equatable {
        /// What is wrong and what is expected.
        public var message: String
    }

    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode

    /// Parses a URL; throws `Invalid` naming what is wrong.
    public init(parsing text: String) throws(Invalid) {
        let expected = "expected postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require|verify-full]"
        guard let components = URLComponents(string: text), let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw Invalid(message: expected)
        }
        guard let host = components.host, !host.isEmpty else { throw Invalid(message: "the URL has no host; \(expected)") }
        guard let user = components.user, !user.isEmpty else { throw Invalid(message: "the URL has no user; \(expected)") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw Invalid(message: "the URL has no database name; \(expected)") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw Invalid(message: "the port must be between 1 and 65535") }
        var tls = TLSMode.disable
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw Invalid(message: "sslmode must be one of disable, prefer, require, verify-full")
                }
                tls = mode
            default:
                throw Invalid(message: "the URL parameter \(item.name) is not supported; only sslmode is")
            }
        }
        self.user = user
        self.password = components.password
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        self.database = database
        self.tls = tls
    }

    /// The URL with the password replaced by `***`.
    public var description: String {
        "postgres://\(self.user)\(self.password == nil ? "" : ":***")@\(self.host):\(self.port)/\(self.database)\(self.tls == .disable ? "" : "?sslmode=\(self.tls.rawValue)")"
    }
}
