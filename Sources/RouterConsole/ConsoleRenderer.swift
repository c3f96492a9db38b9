import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import RouterCore

/// Renders console pages from the templates compiled into the binary, inside the common frame,
/// and answers them with the console's security headers.
struct ConsoleRenderer: Sendable {
    /// What the frame needs besides the page itself.
    struct Frame {
        var title: String
        var csrf: String?
        var role: OperatorRole?
        var tenant: String?
        var section: Section = .other
        var notice: String?
        var refreshSeconds: Int?
        var now: Timestamp
    }

    /// Which navigation entry is the current page.
    enum Section {
        case overview, events, deadLetters, tail, configuration, audit, other
    }

    private let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        try library.register(LayoutTemplates.layout, named: "layout")
        try library.register(LayoutTemplates.signIn, named: "sign-in")
        try library.register(LayoutTemplates.closed, named: "closed")
        try library.register(LayoutTemplates.message, named: "message")
        try library.register(OverviewTemplate.page, named: "overview")
        try library.register(EventTemplates.list, named: "events")
        try library.register(EventTemplates.detail, named: "event")
        try library.register(DeadLetterTemplate.page, named: "dead-letters")
        try library.register(ConfigurationTemplate.page, named: "configuration")
        try library.register(TestSendTemplate.page, named: "test-send")
        try library.register(TailTemplate.page, named: "tail")
        try library.register(AuditTemplate.page, named: "audit")
        self.library = library
    }

    /// The page `template` rendered with `context` inside the frame.
    func page(_ template: String, _ context: [String: Any], frame: Frame, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var context = context
        // Every form of a page posts the session's CSRF token.
        context["csrf"] = frame.csrf ?? ""
        // Buttons that change things are shown only to a role that may press them.
        context["isAdmin"] = frame.role == .admin
        let content = self.library.render(context, withTemplate: template) ?? ""
        var chrome: [String: Any] = [
            "title": frame.title,
            "content": content,
            "now": ConsoleTime.utc(frame.now),
            "signedIn": frame.csrf != nil,
            "isViewer": frame.role == .viewer,
            "csrf": frame.csrf ?? "",
            "isOverview": frame.section == .overview,
            "isEvents": frame.section == .events,
            "isDeadLetters": frame.section == .deadLetters,
            "isConfiguration": frame.section == .configuration,
            "isTail": frame.section == .tail,
            "isAudit": frame.section == .audit,
        ]
        if let tenant = frame.tenant { chrome["tenant"] = tenant }
        if let notice = frame.notice { chrome["notice"] = notice }
        if let refresh = frame.refreshSeconds { chrome["refresh"] = String(refresh) }
        let html = self.library.render(chrome, withTemplate: "layout") ?? content
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page with a heading and one sentence.
    func message(_ heading: String, _ text: String, frame: Frame, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        self.page("message", ["heading": heading, "text": text], frame: frame, status: status, headers: headers)
    }
}
