#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AsyncHTTPClient
import NIOCore
import NIOPosix

/// Keeps destinations from being pointed at the router's own network: loopback, private,
/// link-local (cloud metadata at 169.254.169.254), unique-local, carrier-grade NAT, multicast and
/// reserved addresses are refused unless `router.json` says `"allowPrivateAddresses": true`.
///
/// URLs are checked twice: their form when the config loads (`validate(url:)`), and in every
/// delivery attempt the addresses their host resolves to (`target(for:)`), which also chooses
/// the address that attempt connects to (`send(_:to:timeout:)`): the address checked is the
/// address connected to, so a name that answers a public address first and a private one
/// later (DNS rebinding) cannot slip between the check and the connection. A failed lookup is
/// retried, never waved through.
public final class OutboundAddressGuard: Sendable {
    /// Whether private addresses are allowed (tests, on-premises receivers).
    public let allowPrivateAddresses: Bool
    private let resolver: any HostResolver
    private let refuses: @Sendable ([UInt8]) -> Bool
    private let clients: PinnedHTTPClients

    /// The client settings of pinned connections: no redirects (they would go to an unchecked
    /// address), connect within 5 s, read within 30 s, a refused connection fails at once.
    public static var defaultClientConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// Creates a guard.
    ///
    /// - Parameters:
    ///   - allowPrivateAddresses: allow every address (then nothing is resolved or pinned).
    ///   - threadPool: where the system resolver runs.
    ///   - resolver: the name resolver; the system's by default.
    ///   - clientConfiguration: the settings of the clients that connect to checked addresses.
    ///   - eventLoopGroup: where those clients run.
    public convenience init(
        allowPrivateAddresses: Bool,
        threadPool: NIOThreadPool,
        resolver: (any HostResolver)? = nil,
        clientConfiguration: HTTPClient.Configuration = OutboundAddressGuard.defaultClientConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.init(
            allowPrivateAddresses: allowPrivateAddresses,
            resolver: resolver ?? SystemHostResolver(threadPool: threadPool),
            refuses: Self.isPrivate,
            clients: PinnedHTTPClients(configuration: clientConfiguration, eventLoopGroup: eventLoopGroup)
        )
    }

    /// A guard with its own rule for which addresses are refused (tests use loopback receivers).
    init(
        allowPrivateAddresses: Bool,
        resolver: any HostResolver,
        refuses: @escaping @Sendable ([UInt8]) -> Bool,
        clients: PinnedHTTPClients
    ) {
        self.allowPrivateAddresses = allowPrivateAddresses
        self.resolver = resolver
        self.refuses = refuses
        self.clients = clients
    }

    /// Sizes the connection pools of pinned clients made from now on (see `SharedHTTPClient`).
    public func size(connectionsPerHost connections: Int) {
        self.clients.size(connectionsPerHost: connections)
    }

    /// Checks a URL's form: `http` or `https`, a host, and (unless allowed) no literal private
    /// address (in any spelling: `2130706433` and `0177.0.0.1` are 127.0.0.1) or `localhost`.
    /// Returns the problem, or nil when acceptable.
    public func validate(url text: String) -> String? {
        guard let url = ParsedURL(text) else {
            return "\"\(text)\" is not an http(s) URL such as https://hooks.example.com/retention"
        }
        guard !self.allowPrivateAddresses else { return nil }
        let host = url.host.lowercased()
        if host == "localhost" || host.hasSuffix(".localhost") {
            return "\(url.host) is a loopback name; set \"allowPrivateAddresses\": true in router.json to allow it"
        }
        if let bytes = Self.literalAddress(host), self.refuses(bytes) {
            return "\(url.host) is a private, loopback or link-local address; set \"allowPrivateAddresses\": true in router.json to allow it"
        }
        return nil
    }

    /// Resolves the URL's host for one delivery attempt and says where that attempt may
    /// connect: the first address of the answer when every address in it is allowed.
    public func target(for url: ParsedURL) async -> OutboundTarget {
        guard !self.allowPrivateAddresses else { return .unpinned }
        let addresses: [[UInt8]]
        if let literal = Self.literalAddress(url.host) {
            addresses = [literal]
        } else {
            do {
                addresses = try await self.resolver.addresses(of: url.host)
            } catch {
                return .unresolved(FailureReason(code: "dns_failure", message: "cannot resolve \(url.host): \(error)"))
            }
        }
        guard let first = addresses.first else {
            return .unresolved(FailureReason(code: "dns_failure", message: "\(url.host) has no address"))
        }
        if let refused = addresses.first(where: self.refuses) {
            return .refused(
                FailureReason(
                    code: "private_address",
                    message: "\(url.host) resolves to \(Self.text(of: refused)), a private, loopback or link-local address; "
                        + "set \"allowPrivateAddresses\": true in router.json to allow it"
                )
            )
        }
        return .pinned(address: Self.text(of: first))
    }

    /// Sends `request` (whose URL is `url`) where `target` says: through `client` when nothing is
    /// pinned, else through a client that connects to the pinned address only.
    public func send(
        _ request: HTTPClientRequest,
        url: ParsedURL,
        target: OutboundTarget,
        client: HTTPClient,
        timeout: Duration
    ) async throws -> HTTPAnswer {
        guard case .pinned(let address) = target else {
            return try await client.send(request, timeout: timeout)
        }
        return try await self.clients.withClient(host: url.host, address: address) { pinned in
            try await pinned.send(request, timeout: timeout)
        }
    }

    /// The number of pinned clients open now (for tests).
    public var pinnedClientCount: Int { self.clients.count }

    /// Shuts the pinned clients down; call once nothing sends any more.
    public func shutdown() async {
        await self.clients.shutdown()
    }

    /// The bytes of a literal IPv4 or IPv6 address (brackets allowed), or nil for a name. IPv4
    /// is read as `inet_aton` (and so the system resolver) reads it: `2130706433`, `0177.0.0.1`
    /// and `0x7f.1` are all 127.0.0.1.
    static func literalAddress(_ host: String) -> [UInt8]? {
        var text = host
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        var v4 = in_addr()
        if inet_aton(text, &v4) != 0 { return withUnsafeBytes(of: v4) { Array($0) } }
        return nil
    }

    /// The usual text form of an address's bytes.
    static func text(of bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let written = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard written != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True for addresses a tenant must not reach: see the type's description.
    static func isPrivate(_ bytes: [UInt8]) -> Bool {
        if bytes.count == 4 {
            let (a, b) = (bytes[0], bytes[1])
            return a == 0 || a == 10 || a == 127 || (a == 100 && (64...127).contains(b)) || (a == 169 && b == 254)
                || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168) || (a == 192 && b == 0 && bytes[2] == 0)
                || (a == 198 && (18...19).contains(b)) || a >= 224
        }
        guard bytes.count == 16 else { return true }
        if bytes.allSatisfy({ $0 == 0 }) { return true }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
        // IPv4-mapped addresses (::ffff:a.b.c.d) are their IPv4 address; the deprecated
        // IPv4-compatible ones (::a.b.c.d) are refused.
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return Self.isPrivate(Array(bytes[12..<16]))
        }
        if bytes[0..<12].allSatisfy({ $0 == 0 }) { return true }
        // NAT64 (64:ff9b::/96).
        if bytes[0] == 0x00, bytes[1] == 0x64, bytes[2] == 0xff, bytes[3] == 0x9b {
            return Self.isPrivate(Array(bytes[12..<16]))
        }
        // Unique-local fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast ff00::/8.
        return bytes[0] & 0xfe == 0xfc || (bytes[0] == 0xfe && bytes[1] & 0x80 == 0x80) || bytes[0] == 0xff
    }
}
