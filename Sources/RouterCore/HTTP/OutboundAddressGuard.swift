#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOPosix
import Synchronization

/// Keeps destinations from being pointed at the router's own network: loopback, private,
/// link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast and reserved
/// addresses are refused unless `router.json` says `"allowPrivateAddresses": true`.
///
/// URLs are checked twice: their form when the config loads (`validate(url:)`), and the
/// addresses their host resolves to before each delivery (`check(host:)`), so a public name that
/// points inside is caught too.
public final class OutboundAddressGuard: Sendable {
    /// Whether private addresses are allowed (tests, on-premises receivers).
    public let allowPrivateAddresses: Bool
    private let threadPool: NIOThreadPool
    private let cache = Mutex<[String: (checkedAt: ContinuousClock.Instant, refusal: String?)]>([:])
    private static let cacheLifetime: Duration = .seconds(60)

    /// Creates a guard.
    public init(allowPrivateAddresses: Bool, threadPool: NIOThreadPool) {
        self.allowPrivateAddresses = allowPrivateAddresses
        self.threadPool = threadPool
    }

    /// Checks a URL's form: `http` or `https`, a host, and (unless allowed) no literal private
    /// address or `localhost`. Returns the problem, or nil when acceptable.
    public func validate(url text: String) -> String? {
        guard let url = ParsedURL(text) else {
            return "\"\(text)\" is not an http(s) URL such as https://hooks.example.com/retention"
        }
        guard !self.allowPrivateAddresses else { return nil }
        let host = url.host.lowercased()
        if host == "localhost" || host.hasSuffix(".localhost") {
            return "\(url.host) is a loopback name; set \"allowPrivateAddresses\": true in router.json to allow it"
        }
        if let bytes = Self.literalAddress(host), Self.isPrivate(bytes) {
            return "\(url.host) is a private, loopback or link-local address; set \"allowPrivateAddresses\": true in router.json to allow it"
        }
        return nil
    }

    /// Resolves `host` and returns why delivery must not go there, or nil when every address it
    /// resolves to is public (or private addresses are allowed). Results are cached for a minute.
    public func check(host: String) async -> String? {
        guard !self.allowPrivateAddresses else { return nil }
        let now = ContinuousClock.now
        if let cached = self.cache.withLock({ $0[host] }), now - cached.checkedAt < Self.cacheLifetime {
            return cached.refusal
        }
        let refusal: String?
        do {
            refusal = try await self.threadPool.runIfActive { Self.resolveAndCheck(host) }
        } catch {
            refusal = nil
        }
        self.cache.withLock { $0[host] = (now, refusal) }
        return refusal
    }

    /// `check(host:)` as the dead-letter reason destinations report: code `private_address`.
    public func refusal(host: String) async -> FailureReason? {
        guard let refusal = await self.check(host: host) else { return nil }
        return FailureReason(
            code: "private_address",
            message: "\(refusal); set \"allowPrivateAddresses\": true in router.json to allow it"
        )
    }

    private static func resolveAndCheck(_ host: String) -> String? {
        if let bytes = Self.literalAddress(host) {
            return Self.isPrivate(bytes) ? "\(host) is a private, loopback or link-local address" : nil
        }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else {
            // Resolution failures are left to the HTTP client, which reports them as retries.
            return nil
        }
        defer { freeaddrinfo(first) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let address = current.pointee.ai_addr, let bytes = Self.bytes(of: address), Self.isPrivate(bytes) {
                return "\(host) resolves to a private, loopback or link-local address"
            }
            entry = current.pointee.ai_next
        }
        return nil
    }

    private static func bytes(of address: UnsafeMutablePointer<sockaddr>) -> [UInt8]? {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
            }
        default:
            return nil
        }
    }

    /// The bytes of a literal IPv4 or IPv6 address (brackets allowed), or nil for a name.
    static func literalAddress(_ host: String) -> [UInt8]? {
        var text = host
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
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
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return Self.isPrivate(Array(bytes[12..<16]))
        }
        if bytes[0] == 0x00, bytes[1] == 0x64, bytes[2] == 0xff, bytes[3] == 0x9b {
            return Self.isPrivate(Array(bytes[12..<16]))
        }
        return bytes[0] & 0xfe == 0xfc || (bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80) || bytes[0] == 0xff
    }
}

/// The parts of an `http` or `https` URL that delivery needs.
public struct ParsedURL: Sendable, Equatable {
    /// `http` or `https`.
    public var scheme: String
    /// The host name or address, without brackets.
    public var host: String

    /// Parses `text`; nil unless it is an absolute http(s) URL with a host.
    public init?(_ text: String) {
        let lower = text.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") {
            scheme = "https"
        } else if lower.hasPrefix("http://") {
            scheme = "http"
        } else {
            return nil
        }
        var rest = text.dropFirst(scheme.count + 3)
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        var host: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
        } else {
            host = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        }
        guard !host.isEmpty, !text.contains(" ") else { return nil }
        self.scheme = scheme
        self.host = String(host)
    }
}
