import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Puts the console's security headers on every answer under `/console/`: a Content-Security-
/// Policy that allows only the console's own script and styles (no inline script, no framing),
/// no MIME sniffing, no referrer outside the site, and no caching of pages that hold event data.
struct ConsoleHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    /// What a page that could not be made shows (the error itself goes to the log).
    static var unavailablePage: String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Unavailable · RetentionRouter console</title>
        <link rel="stylesheet" href="/console/assets/console.css"></head><body><main id="main">
        <h1>This page could not be made</h1><p>The event store did not answer in time. Try again in a few seconds;
        the router's log says what failed.</p><p><a href="/console/">Back to the overview</a></p></main></body></html>
        """
    }

    /// Headers that HTTPTypes has no constant for.
    static var namedHeaders: [(HTTPField.Name, String)] {
        [("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY")].compactMap { name, value in
            HTTPField.Name(name).map { ($0, value) }
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            // A store that did not answer: a page that says so, never an empty 500.
            context.logger.error("Console page failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = Response(
                status: .serviceUnavailable,
                headers: [.contentType: "text/html; charset=utf-8", .retryAfter: "5"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: Self.unavailablePage))
            )
        }
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        for (name, value) in Self.namedHeaders {
            response.headers[name] = value
        }
        if response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
