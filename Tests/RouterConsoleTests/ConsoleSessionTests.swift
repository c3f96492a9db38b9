import Foundation
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
        let tampered = "v2.\(forged.issued).\(forged.seen).\(forged.nonce).admin.\(mac)"
        #expect(self.signer.decode(tampered) == nil)
        #expect(self.signer.decode("v2.1.2.zz.admin.00") == nil)
        #expect(self.signer.decode("") == nil)
    }

    @Test func aViewerCannotTurnItsCookieIntoAnAdminOne() {
        let tokens = OperatorTokens(admin: "admin-token", viewer: "viewer-token")
        let signer = ConsoleSessionSigner(tokens: tokens)
        let viewer = ConsoleSession.start(at: self.now, role: .viewer)
        let cookie = signer.encode(viewer)
        #expect(signer.decode(cookie)?.role == .viewer)
        #expect(signer.decode(cookie.replacingOccurrences(of: ".viewer.", with: ".admin.")) == nil)
        // A session signed before the viewer token changed ends with it.
        #expect(ConsoleSessionSigner(tokens: OperatorTokens(admin: "admin-token", viewer: "rotated")).decode(cookie) == nil)
    }

    @Test func eachTokenSignsInAsItsRole() {
        let tokens = OperatorTokens(admin: "admin-token", viewer: "viewer-token")
        #expect(tokens.role(for: "admin-token") == .admin)
        #expect(tokens.role(for: "viewer-token") == .viewer)
        #expect(tokens.role(for: "viewer-toke") == nil)
        #expect(tokens.role(for: "") == nil)
        // A viewer token equal to the admin token grants admin, never less.
        #expect(OperatorTokens(admin: "same", viewer: "same").role(for: "same") == .admin)
        #expect(OperatorTokens(admin: nil, viewer: nil).role(for: "anything") == nil)
        #expect(OperatorRole.admin.allows(.viewer) && OperatorRole.viewer.allows(.viewer) && !OperatorRole.viewer.allows(.admin))
    }

    @Test func sessionsLapseAfterEightIdleHours() {
        let session = ConsoleSession.start(at: self.now)
        #expect(session.isLive(at: self.now.adding(.seconds(8 * 3600 - 1))))
        #expect(!session.isLive(at: self.now.adding(.seconds(8 * 3600))))
        var busy = session
        busy.seen = self.now.secondsSince1970 + 7 * 86_400 - 10
        #expect(!busy.isLive(at: self.now.adding(.seconds(7 * 86_400))), "a session used all week still ends after 7 days")
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
        // Five wrong tries, as if sent at once: each is reserved before its token is checked.
        for second in 0..<5 {
            #expect(throttle.begin("127.0.0.1", now: self.now.adding(.seconds(Int64(second)))) == nil)
        }
        #expect(throttle.begin("127.0.0.1", now: self.now.adding(.seconds(5))) == 55)
        #expect(throttle.begin("10.0.0.9", now: self.now.adding(.seconds(5))) == nil)
        #expect(throttle.begin("127.0.0.1", now: self.now.adding(.seconds(61))) == nil)
        // A right token gives its attempt back.
        let other = SignInThrottle(limit: 1)
        #expect(other.begin("a", now: self.now) == nil)
        other.succeeded("a", now: self.now)
        #expect(other.begin("a", now: self.now.adding(.seconds(1))) == nil)
        #expect(other.begin("a", now: self.now.adding(.seconds(2))) == 59)
    }

    @Test func onlyConsolePathsAreFollowedAfterSignIn() {
        #expect(ConsoleController.safeNext("/console/tenants/demo/events?id=x") == "/console/tenants/demo/events?id=x")
        #expect(ConsoleController.safeNext("https://evil.example/") == "/console/")
        #expect(ConsoleController.safeNext("/console//evil.example") == "/console/")
        #expect(ConsoleController.safeNext(nil) == "/console/")
    }
}
