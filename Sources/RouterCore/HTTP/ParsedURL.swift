import Foundation

/// The parts of an `http` or `https` URL that delivery needs.
///
/// Read with Foundation's `URL`, the parser AsyncHTTPClient uses for the request, and the same
/// way it reads them (`host` without IPv6 brackets, the scheme's port by default): the host the
/// address guard checks is the host the client would connect to. Every destination URL is
/// parsed here and nowhere else.
public struct ParsedURL: Sendable, Equatable {
    /// `http` or `https`.
    public var scheme: String
    /// The host name or address, without brackets.
    public var host: String
    /// The port: the URL's, or 80 / 443.
    public var port: Int
    /// The path, as written (empty for none).
    public var path: String
    /// True when the URL has a query, a fragment or credentials (`user:password@`).
    public var hasQueryFragmentOrCredentials: Bool

    /// Parses `text`; nil unless it is an absolute http(s) URL with a host.
    public init?(_ text: String) {
        guard !text.contains(" "), let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let rawHost = url.host, !rawHost.isEmpty
        else { return nil }
        var host = rawHost
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.scheme = scheme
        self.host = host
        self.port = url.port ?? (scheme == "https" ? 443 : 80)
        self.path = url.path
        self.hasQueryFragmentOrCredentials = url.query != nil || url.fragment != nil || url.user != nil || url.password != nil
    }
}
