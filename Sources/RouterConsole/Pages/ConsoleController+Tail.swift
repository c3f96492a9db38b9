import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import RouterCore
import ServiceLifecycle

extension ConsoleController {
    /// The live tail page; its script opens the stream.
    func tailPage(_ request: Request, tenant: String) async throws -> Response {
        try await self.withSession(request, form: false) { session, _ in
            guard self.configuredTenant(tenant) != nil else { return self.unknownTenant(tenant, session: session, request: request) }
            let after = try await self.service.tail.newestSequence(tenant: tenant)
            let frame = self.frame("Live: \(tenant)", session: session, tenant: tenant, section: .tail, request: request)
            return self.renderer.page("tail", ["tenant": tenant, "after": String(after), "perSecond": LiveTail.maxEventsPerSecond], frame: frame)
        }
    }

    /// The tail's Server-Sent Events: from `?after=` (or the `Last-Event-ID` a reconnecting
    /// browser sends) for `LiveTail.lifetime`; the browser reconnects by itself.
    func tailStream(_ request: Request, tenant: String) async throws -> Response {
        try await self.withSession(request, form: false) { _, _ in
            guard self.configuredTenant(tenant) != nil else {
                return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "unknown tenant\n")))
            }
            let tail = self.service.tail
            guard tail.reserve() else {
                return Response(
                    status: .serviceUnavailable,
                    headers: [.contentType: "text/plain; charset=utf-8", .retryAfter: "10"],
                    body: .init(byteBuffer: ByteBuffer(string: "too many live tails are open on this instance; try again shortly\n"))
                )
            }
            let lastEventID = HTTPField.Name("Last-Event-ID").flatMap { request.headers[$0] }.flatMap { Int64($0) }
            let query = Self.parameters(request)["after"].flatMap { Int64($0) }
            let start: Int64
            if let resume = lastEventID ?? query, resume >= 0 {
                start = resume
            } else {
                start = (try? await tail.newestSequence(tenant: tenant)) ?? 0
            }
            let logger = self.logger
            let body = ResponseBody { writer in
                defer { tail.release() }
                let stop = LiveTail.Stop()
                do {
                    // The stream ends when the server begins to stop, so it never holds shutdown.
                    try await withGracefulShutdownHandler {
                        try await tail.run(tenant: tenant, after: start, stop: stop) { text in
                            try await writer.write(ByteBuffer(string: text))
                        }
                    } onGracefulShutdown: {
                        stop.stop()
                    }
                } catch is CancellationError {
                    // The browser left or the server is stopping.
                } catch {
                    logger.debug("Live tail ended", metadata: ["tenant.id": "\(tenant)", "error": "\(error)"])
                }
                try? await writer.finish(nil)
            }
            var headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"]
            // Proxies such as nginx pass the stream through instead of buffering it.
            if let name = HTTPField.Name("X-Accel-Buffering") { headers[name] = "no" }
            return Response(status: .ok, headers: headers, body: body)
        }
    }
}
