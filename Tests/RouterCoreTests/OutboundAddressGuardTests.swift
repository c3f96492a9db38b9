import NIOPosix
@testable import RouterCore
import Synchronization
import Testing

/// A resolver whose answers are scripted: one per call, the last repeated.
final class ScriptedResolver: HostResolver {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "temporary failure in name resolution" }
    }

    private let answers: Mutex<[[[UInt8]]?]>
    let calls = Atomic<Int>(0)

    /// `nil` in `answers` makes that call fail.
    init(_ answers: [[[UInt8]]?]) {
        self.answers = Mutex(answers)
    }

    func addresses(of host: String) async throws -> [[UInt8]] {
        self.calls.add(1, ordering: .relaxed)
        let answer = self.answers.withLock { answers in answers.count > 1 ? answers.removeFirst() : answers.first ?? nil }
        guard let answer else { throw Failure() }
        return answer
    }
}

/// Issue #14 item 7: the address checked is the address connected to.
@Suite(.timeLimit(.minutes(2)))
struct OutboundAddressGuardTests {
    private func guarded(_ resolver: ScriptedResolver) -> OutboundAddressGuard {
        OutboundAddressGuard(allowPrivateAddresses: false, threadPool: .singleton, resolver: resolver)
    }

    private func url(_ host: String) throws -> ParsedURL {
        try #require(ParsedURL("https://\(host)/hook"))
    }

    @Test(arguments: [
        "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "0.0.0.0", "169.254.169.254", "169.254.0.1", "[fe80::1]", "[febf::1]",
        "[fc00::1]", "[fd12:3456::1]", "2130706433", "0177.0.0.1", "0x7f.1", "127.1", "0x7f000001", "[::1]", "[::]",
        "[::127.0.0.1]", "10.0.0.1", "192.168.1.1",
    ])
    func aPrivateAddressInAnySpellingIsRefused(_ host: String) async throws {
        let resolver = ScriptedResolver([[[93, 184, 216, 34]]])
        let guardian = self.guarded(resolver)
        #expect(guardian.validate(url: "https://\(host)/hook") != nil, "\(host) passed the config check")
        guard case .refused(let reason) = await guardian.target(for: try self.url(host)) else {
            Issue.record("\(host) was not refused at delivery")
            return
        }
        #expect(reason.code == "private_address")
        // A literal is never looked up.
        #expect(resolver.calls.load(ordering: .relaxed) == 0)
    }

    @Test(arguments: [
        ("127.0.0.1", [UInt8]([127, 0, 0, 1])), ("::ffff:127.0.0.1", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]),
        ("0.0.0.0", [0, 0, 0, 0]), ("169.254.169.254", [169, 254, 169, 254]), ("fe80::1", [0xfe, 0x80] + [UInt8](repeating: 0, count: 13) + [1]),
        ("fc00::1", [0xfc, 0] + [UInt8](repeating: 0, count: 13) + [1]), ("fd00::1", [0xfd, 0] + [UInt8](repeating: 0, count: 13) + [1]),
    ])
    func aNameResolvingToAPrivateAddressIsRefused(_ name: String, _ bytes: [UInt8]) async throws {
        let guardian = self.guarded(ScriptedResolver([[[93, 184, 216, 34], bytes]]))
        guard case .refused(let reason) = await guardian.target(for: try self.url("hooks.example.com")) else {
            Issue.record("a name resolving to \(name) was not refused")
            return
        }
        #expect(reason.message.contains(name), "\(reason.message)")
    }

    @Test func publicAddressesArePinned() async throws {
        let guardian = self.guarded(ScriptedResolver([[[93, 184, 216, 34]]]))
        #expect(await guardian.target(for: try self.url("hooks.example.com")) == .pinned(address: "93.184.216.34"))
        #expect(await guardian.target(for: try self.url("[2606:4700::1111]")) == .pinned(address: "2606:4700::1111"))
        #expect(await guardian.target(for: try self.url("1.1.1.1")) == .pinned(address: "1.1.1.1"))
        #expect(await guardian.target(for: try self.url("134744072")) == .pinned(address: "8.8.8.8"))
    }

    @Test func everyAttemptResolvesAgainSoARebindingIsCaught() async throws {
        // Public first, loopback second: the second attempt must not reuse the first answer.
        let resolver = ScriptedResolver([[[93, 184, 216, 34]], [[127, 0, 0, 1]]])
        let guardian = self.guarded(resolver)
        #expect(await guardian.target(for: try self.url("rebind.example.com")) == .pinned(address: "93.184.216.34"))
        guard case .refused = await guardian.target(for: try self.url("rebind.example.com")) else {
            Issue.record("the rebound answer was not checked")
            return
        }
        #expect(resolver.calls.load(ordering: .relaxed) == 2)
    }

    @Test func aFailedLookupIsARetryNotAPass() async throws {
        let guardian = self.guarded(ScriptedResolver([nil]))
        guard case .unresolved(let reason) = await guardian.target(for: try self.url("hooks.example.com")) else {
            Issue.record("a failed lookup was not reported as unresolved")
            return
        }
        #expect(reason.code == "dns_failure")
    }

    @Test func allowingPrivateAddressesResolvesNothing() async throws {
        let resolver = ScriptedResolver([nil])
        let guardian = OutboundAddressGuard(allowPrivateAddresses: true, threadPool: .singleton, resolver: resolver)
        #expect(guardian.validate(url: "http://127.0.0.1:9000/") == nil)
        #expect(await guardian.target(for: try self.url("localhost")) == .unpinned)
        #expect(resolver.calls.load(ordering: .relaxed) == 0)
    }

    @Test func theSystemResolverRefusesLocalhost() async throws {
        let guardian = OutboundAddressGuard(allowPrivateAddresses: false, threadPool: .singleton)
        guard case .refused = await guardian.target(for: try self.url("localhost")) else {
            Issue.record("localhost was not refused")
            return
        }
    }

    @Test func urlsAreReadAsTheHTTPClientReadsThem() throws {
        #expect(ParsedURL("http://user:pw@127.0.0.1:8080/x")?.host == "127.0.0.1")
        #expect(ParsedURL("http://user:pw@127.0.0.1:8080/x")?.hasQueryFragmentOrCredentials == true)
        #expect(ParsedURL("https://example.com#@127.0.0.1")?.host == "example.com")
        #expect(ParsedURL("https://[::1]:8443/")?.host == "::1")
        #expect(ParsedURL("https://[::1]:8443/")?.port == 8443)
        #expect(ParsedURL("HTTPS://Example.com")?.port == 443)
        #expect(ParsedURL("ftp://example.com") == nil)
        #expect(ParsedURL("https:///path") == nil)
    }

    /// Each refused range at its edges: the first and last address inside are refused, the
    /// neighbours just outside are public.
    @Test(arguments: [
        // 0.0.0.0/8 "this network", 10/8, 127/8.
        ("0.255.255.255", true), ("1.0.0.0", false), ("9.255.255.255", false), ("10.0.0.0", true), ("10.255.255.255", true),
        ("11.0.0.0", false), ("126.255.255.255", false), ("127.255.255.255", true), ("128.0.0.0", false),
        // 100.64/10 carrier-grade NAT.
        ("100.63.255.255", false), ("100.64.0.0", true), ("100.127.255.255", true), ("100.128.0.0", false),
        // 169.254/16 link-local (cloud metadata), 172.16/12, 192.168/16.
        ("169.253.255.255", false), ("169.254.0.0", true), ("169.255.0.0", false),
        ("172.15.255.255", false), ("172.16.0.0", true), ("172.31.255.255", true), ("172.32.0.0", false),
        ("192.167.255.255", false), ("192.168.0.0", true), ("192.168.255.255", true), ("192.169.0.0", false),
        // 192.0.0/24 protocol assignments, 198.18/15 benchmarking, 224/4 multicast and 240/4 reserved.
        ("192.0.0.255", true), ("192.0.1.0", false), ("198.17.255.255", false), ("198.18.0.0", true), ("198.19.255.255", true),
        ("198.20.0.0", false), ("223.255.255.255", false), ("224.0.0.0", true), ("255.255.255.255", true),
        // IPv6: loopback, unspecified, unique-local fc00::/7, link-local and site-local fe80::/9,
        // multicast; IPv4-mapped and NAT64 addresses are judged by their IPv4 address.
        ("::1", true), ("::2", true), ("fbff:ffff::1", false), ("fc00::", true), ("fdff:ffff::1", true), ("fe00::1", false),
        ("fe7f:ffff::1", false), ("fe80::", true), ("feff:ffff::1", true), ("ff02::1", true),
        ("::ffff:10.0.0.1", true), ("::ffff:8.8.8.8", false), ("64:ff9b::7f00:1", true), ("64:ff9b::808:808", false),
        ("2606:4700::1111", false), ("2001:db8::1", false),
    ])
    func addressRangesEndWhereTheyShould(_ address: String, _ refused: Bool) throws {
        let bytes = try #require(OutboundAddressGuard.literalAddress(address))
        #expect(OutboundAddressGuard.isPrivate(bytes) == refused, "\(address)")
    }
}
