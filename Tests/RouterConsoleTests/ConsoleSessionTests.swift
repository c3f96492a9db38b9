import RouterCore
import Testing

@testable import RouterConsole

struct ConsoleSessionTests {
    let signer = ConsoleSessionSigner(adminToken: "token-one")
    let now = Timestamp(millisecondsSince1970: 1_764_480_000_000)

    @Test func aSignedSessionDecodesBack() {
        let session = ConsoleSession.start(at: self.now)
        #expect(self.signer.decode(self.signer.encode(session)) == session)
    }

    @Test func anotherTokenRejectsTheCookie() {
        let cookie = self.signer.encode(.start(at: self.now))
        #expect(ConsoleSessionSigner(adminToken: "token-two").decode(cookie) == nil)
    }

    @Test func aTamperedCookieIsRejected() {
        let session = ConsoleSession.start(at: self.now)
        var forged = session
        forged.seen += 3600
        let original = self.signer.encode(session)
        let mac = original.split(separator: ".").last.map(String.init) ?? ""
        let tampered = "v1.\(forged.issued).\(forged.seen).\(forged.nonce).\(mac)"
        #expect(self.signer.decode(tampered) == nil)
        #expect(self.signer.decode("v1.1.2.zz.00") == nil)
        #expect(self.signer.decode("") == nil)
    }

    @Test func sessionsLapseAfterEightIdleHours() {
        let session = ConsoleSession.start(at: self.now)
        #expect(session.isLive(at: self.now.adding(.seconds(8 * 3600 - 1))))
        #expect(!session.isLive(at: self.now.adding(.seconds(8 * 3600))))
    }

    @Test func csrfTokensAreBoundToTheSession() {
        let first = ConsoleSession.start(at: self.now)
        let second = ConsoleSession.start(at: self.now)
        let token = self.signer.csrfToken(for: first)
        #expect(self.signer.checkCSRF(token, for: first))
        #expect(!self.signer.checkCSRF(token, for: second))
        #expect(!self.signer.checkCSRF(nil, for: first))
        #expect(!self.signer.checkCSRF("", for: first))
    }

    @Test func theThrottleRefusesTheSixthTryWithinAMinute() {
        let throttle = SignInThrottle()
        for second in 0..<5 {
            #expect(throttle.retryAfter("127.0.0.1", now: self.now.adding(.seconds(Int64(second)))) == nil)
            throttle.recordFailure("127.0.0.1", now: self.now.adding(.seconds(Int64(second))))
        }
        #expect(throttle.retryAfter("127.0.0.1", now: self.now.adding(.seconds(5))) == 55)
        #expect(throttle.retryAfter("10.0.0.9", now: self.now.adding(.seconds(5))) == nil)
        #expect(throttle.retryAfter("127.0.0.1", now: self.now.adding(.seconds(61))) == nil)
    }

    @Test func onlyConsolePathsAreFollowedAfterSignIn() {
        #expect(ConsoleController.safeNext("/console/tenants/demo/events?id=x") == "/console/tenants/demo/events?id=x")
        #expect(ConsoleController.safeNext("https://evil.example/") == "/console/")
        #expect(ConsoleController.safeNext("/console//evil.example") == "/console/")
        #expect(ConsoleController.safeNext(nil) == "/console/")
    }
}
