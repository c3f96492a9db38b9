import Foundation
import HTTPTypes
import Hummingbird
import Logging
import RouterCore
import Signing

/// The operator console at `/console/`: server-rendered pages over the same `OperatorService`
/// the JSON API uses. Signed in with the admin token; every change is a POST with the session's
/// CSRF token; every value from an event is escaped by the templates.
public struct ConsoleController: Sendable {
    /// How the console is set up.
    public struct Configuration: Sendable {
        /// The tokens operators sign in with; with neither, the console stays closed.
        public var tokens: OperatorTokens
        /// Whether cookies carry `Secure` (every listen address but loopback).
        public var secureCookies: Bool

        /// Creates a configuration.
        public init(tokens: OperatorTokens, secureCookies: Bool) {
            self.tokens = tokens
            self.secureCookies = secureCookies
        }
    }

    let service: OperatorService
    let configuration: Configuration
    let signer: ConsoleSessionSigner?
    let throttle = SignInThrottle()
    let renderer: ConsoleRenderer
    let logger: Logger

    /// Creates the console; throws only if a compiled-in template does not parse (a build defect).
    public init(service: OperatorService, configuration: Configuration, logger: Logger) throws {
        self.service = service
        self.configuration = configuration
        self.signer = configuration.tokens.isOpen ? ConsoleSessionSigner(tokens: configuration.tokens) : nil
        self.renderer = try ConsoleRenderer()
        self.logger = logger
    }

    /// Adds the console's routes under `/console`.
    public func addRoutes(to router: Router<RouterRequestContext>) {
        let console = router.group("console").add(middleware: ConsoleHeadersMiddleware())
        console.get("assets/console.css") { _, _ in Self.asset(ConsoleAssets.css, type: "text/css; charset=utf-8") }
        console.get("assets/console.js") { _, _ in Self.asset(ConsoleAssets.javascript, type: "text/javascript; charset=utf-8") }
        console.get("sign-in") { request, _ in self.signInForm(request) }
        console.post("sign-in") { request, context in try await self.signIn(request, context: context) }
        console.post("sign-out") { request, _ in
            try await self.withSession(request, form: true, needs: .viewer) { _, _ in
                var response = Self.redirect("/console/sign-in?notice=signed-out")
                response.setCookie(self.cookie(value: "", maxAge: 0))
                return response
            }
        }
        console.get("") { request, _ in try await self.overview(request) }
        console.get("config") { request, _ in try await self.configurationPage(request) }
        console.get("audit") { request, _ in try await self.auditPage(request) }
        console.post("config/validate") { request, context in try await self.validateConfiguration(request, address: Self.address(context)) }
        console.post("config/reload") { request, context in try await self.reloadConfiguration(request, address: Self.address(context)) }
        console.get("tenants/:tenant/tail") { request, context in
            try await self.tailPage(request, tenant: context.pathParameter("tenant"))
        }
        console.get("tenants/:tenant/tail/stream") { request, context in
            try await self.tailStream(request, tenant: context.pathParameter("tenant"))
        }
        console.get("tenants/:tenant/events") { request, context in
            try await self.eventsPage(request, tenant: context.pathParameter("tenant"))
        }
        console.get("tenants/:tenant/events/:id") { request, context in
            try await self.eventPage(request, tenant: context.pathParameter("tenant"), id: context.pathParameter("id"))
        }
        console.post("tenants/:tenant/events/:id/reveal") { request, context in
            try await self.revealEvent(request, tenant: context.pathParameter("tenant"), id: context.pathParameter("id"), address: Self.address(context))
        }
        console.post("tenants/:tenant/events/:id/erase") { request, context in
            try await self.eraseEvent(request, tenant: context.pathParameter("tenant"), id: context.pathParameter("id"), address: Self.address(context))
        }
        console.post("tenants/:tenant/events/:id/replay") { request, context in
            try await self.replayEvent(request, tenant: context.pathParameter("tenant"), id: context.pathParameter("id"), address: Self.address(context))
        }
        console.get("tenants/:tenant/dead-letters") { request, context in
            try await self.deadLettersPage(request, tenant: context.pathParameter("tenant"))
        }
        console.post("tenants/:tenant/dead-letters/replay-selected") { request, context in
            try await self.replaySelected(request, tenant: context.pathParameter("tenant"), address: Self.address(context))
        }
        console.post("tenants/:tenant/dead-letters/replay-matching") { request, context in
            try await self.replayMatching(request, tenant: context.pathParameter("tenant"), address: Self.address(context))
        }
        console.post("tenants/:tenant/destinations/:destination/test-send") { request, context in
            try await self.testSend(
                request,
                tenant: context.pathParameter("tenant"),
                destination: context.pathParameter("destination"),
                address: Self.address(context)
            )
        }
        console.post("tenants/:tenant/destinations/:destination/retry-now") { request, context in
            try await self.retryNow(request, tenant: context.pathParameter("tenant"), destination: context.pathParameter("destination"), address: Self.address(context))
        }
    }

    // MARK: Sessions

    /// Runs `body` for a signed-in operator whose role allows `needs` (by default: reading for
    /// pages, the admin role for forms); otherwise answers the sign-in redirect, the closed page,
    /// 403 for a role that may not, or (for a POST without the session's CSRF token) 403, all
    /// without running it.
    func withSession(
        _ request: Request,
        form: Bool,
        needs: OperatorRole? = nil,
        _ body: (ConsoleSession, FormBody) async throws -> Response
    ) async throws -> Response {
        let now = Timestamp.now()
        guard let signer = self.signer else {
            return self.renderer.page("closed", [:], frame: .init(title: "Console closed", now: now), status: .forbidden)
        }
        guard let value = request.cookies[ConsoleSession.cookieName]?.value, let session = signer.decode(value), session.isLive(at: now) else {
            if form {
                return self.renderer.message(
                    "Signed out",
                    "Your session has ended; nothing was changed. Sign in and try again.",
                    frame: .init(title: "Signed out", now: now),
                    status: .forbidden
                )
            }
            let next = FormBody.encode(request.uri.path + (request.uri.query.map { "?" + $0 } ?? ""))
            return Self.redirect("/console/sign-in?next=\(next)")
        }
        let needed = needs ?? (form ? .admin : .viewer)
        guard session.role.allows(needed) else {
            self.logger.notice("Console request refused: the viewer role may not", metadata: ["path": "\(request.uri.path)"])
            return self.renderer.message(
                "Not allowed for viewers",
                "You are signed in with the viewer token, which can look at everything but change nothing. Sign in with the admin token to do this.",
                frame: self.frame("Not allowed", session: session, request: request),
                status: .forbidden
            )
        }
        var fields = FormBody("")
        if form {
            let body = try await request.body.collect(upTo: 1 << 20)
            fields = FormBody(String(decoding: body.readableBytesView, as: UTF8.self))
            guard signer.checkCSRF(fields["csrf"], for: session) else {
                self.logger.warning("Console POST refused: missing or wrong CSRF token", metadata: ["path": "\(request.uri.path)"])
                return self.renderer.message(
                    "Refused",
                    "This request did not carry the page's CSRF token, so nothing was changed. Reload the page and try again.",
                    frame: .init(title: "Refused", now: now),
                    status: .forbidden
                )
            }
        }
        var response = try await body(session, fields)
        if now.secondsSince1970 - session.seen >= 60, response.headers[.setCookie] == nil {
            var renewed = session
            renewed.seen = now.secondsSince1970
            response.setCookie(self.cookie(value: signer.encode(renewed), maxAge: Int(ConsoleSession.idleLimit)))
        }
        return response
    }

    func frame(_ title: String, session: ConsoleSession, tenant: String? = nil, section: ConsoleRenderer.Section = .other, request: Request) -> ConsoleRenderer.Frame {
        ConsoleRenderer.Frame(
            title: title,
            csrf: self.signer?.csrfToken(for: session),
            role: session.role,
            tenant: tenant,
            section: section,
            notice: Self.notice(request.uri.queryParameters["notice"].map(String.init)),
            now: .now()
        )
    }

    func cookie(value: String, maxAge: Int) -> Cookie {
        Cookie(name: ConsoleSession.cookieName, value: value, maxAge: maxAge, path: "/console", secure: self.configuration.secureCookies, httpOnly: true, sameSite: .strict)
    }

    private func signInForm(_ request: Request) -> Response {
        let now = Timestamp.now()
        guard self.signer != nil else {
            return self.renderer.page("closed", [:], frame: .init(title: "Console closed", now: now), status: .forbidden)
        }
        let next = Self.safeNext(request.uri.queryParameters["next"].map(String.init))
        let notice = Self.notice(request.uri.queryParameters["notice"].map(String.init))
        return self.renderer.page("sign-in", ["next": next], frame: .init(title: "Sign in", notice: notice, now: now))
    }

    private func signIn(_ request: Request, context: RouterRequestContext) async throws -> Response {
        let now = Timestamp.now()
        guard let signer = self.signer else {
            return self.renderer.page("closed", [:], frame: .init(title: "Console closed", now: now), status: .forbidden)
        }
        let address = context.remoteAddress?.ipAddress ?? "unknown"
        if let wait = self.throttle.begin(address, now: now) {
            return self.renderer.message(
                "Too many wrong tokens",
                "Five wrong admin tokens came from your address within a minute. Try again in \(wait) seconds.",
                frame: .init(title: "Too many tries", now: now),
                status: .tooManyRequests,
                headers: [.retryAfter: String(wait)]
            )
        }
        let body = try await request.body.collect(upTo: 64 * 1024)
        let form = FormBody(String(decoding: body.readableBytesView, as: UTF8.self))
        let next = Self.safeNext(form["next"])
        guard let given = form["token"], let role = self.configuration.tokens.role(for: given) else {
            self.logger.notice("Console sign-in refused: wrong token", metadata: ["address": "\(address)"])
            await self.audit(.signInFailed, session: nil, address: address)
            return self.renderer.page(
                "sign-in",
                [
                    "next": next,
                    "error": "That is neither the admin nor the viewer token. Check ROUTER_ADMIN_TOKEN and ROUTER_VIEWER_TOKEN (or adminToken and viewerToken in router.json) and try again.",
                ],
                frame: .init(title: "Sign in", now: now),
                status: .unauthorized
            )
        }
        self.throttle.succeeded(address, now: now)
        self.logger.info("Console sign-in", metadata: ["address": "\(address)", "role": "\(role.rawValue)"])
        let session = ConsoleSession.start(at: now, role: role)
        await self.audit(.signIn, session: session, address: address)
        var response = Self.redirect(next)
        response.setCookie(self.cookie(value: signer.encode(session), maxAge: Int(ConsoleSession.idleLimit)))
        return response
    }

    // MARK: Helpers

    /// The caller's address as the audit log records it.
    static func address(_ context: RouterRequestContext) -> String {
        context.remoteAddress?.ipAddress ?? "unknown"
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// Only console paths on this site are followed after sign-in (no open redirect).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/console/"), !next.contains("//"), !next.contains("\\") else { return "/console/" }
        return next
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "public, max-age=300"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    /// The fixed sentences a redirect may ask for; nothing from the URL is shown as is.
    static func notice(_ key: String?) -> String? {
        guard let key else { return nil }
        let parts = key.split(separator: ":", maxSplits: 1)
        let count = parts.count > 1 ? Int(parts[1]) : nil
        switch (parts.first ?? "", count) {
        case ("signed-out", _): return "You are signed out."
        case ("erased", _): return "The event's payload is erased; the audit log records it."
        case ("replayed", let count?): return "Replayed \(count) dead letter\(count == 1 ? "" : "s"); they are being delivered again."
        case ("retry-now", let count?): return "Retrying now: the pause is lifted and \(count) waiting retr\(count == 1 ? "y is" : "ies are") due."
        default: return nil
        }
    }

    /// The tenant if it is configured.
    func configuredTenant(_ name: String) -> TenantConfiguration? {
        Identifier.isValid(name) ? self.service.tenant(named: name) : nil
    }

    func unknownTenant(_ name: String, session: ConsoleSession, request: Request) -> Response {
        self.renderer.message(
            "Unknown tenant",
            "No tenant named \(name) is configured.",
            frame: self.frame("Unknown tenant", session: session, request: request),
            status: .notFound
        )
    }
}
