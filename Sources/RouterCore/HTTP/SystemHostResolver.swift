#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOPosix

/// Resolves names with the system's `getaddrinfo`, on a thread pool so no event loop blocks.
public struct SystemHostResolver: HostResolver {
    /// Why a name could not be resolved.
    public struct LookupFailed: Error, CustomStringConvertible {
        /// The `gai_strerror` text.
        public var description: String
    }

    private let threadPool: NIOThreadPool

    /// Creates a resolver that runs lookups on `threadPool`.
    public init(threadPool: NIOThreadPool) {
        self.threadPool = threadPool
    }

    public func addresses(of host: String) async throws -> [[UInt8]] {
        try await self.threadPool.runIfActive { try Self.lookup(host) }
    }

    private static func lookup(_ host: String) throws -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        guard status == 0, let first = result else {
            throw LookupFailed(description: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var addresses: [[UInt8]] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let address = current.pointee.ai_addr, let bytes = Self.bytes(of: address), !addresses.contains(bytes) {
                addresses.append(bytes)
            }
            entry = current.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw LookupFailed(description: "no IPv4 or IPv6 address") }
        return addresses
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
}
