import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Bounds how long a request's body may take to arrive: when the end of a request has not come
/// within `limit` of its head, and no response has begun, it answers `408 request_timeout` and
/// closes the connection.
///
/// The server's idle timeout closes a connection that sends nothing; this catches one that
/// trickles a byte at a time, which would otherwise hold a connection and a handler for as long
/// as it likes. It sits in each HTTP/1 connection's pipeline (one timer per request, no task),
/// so it bounds every route alike: ingest, the admin API and the console's forms.
final class RequestBodyTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limit: TimeAmount
    private var timer: Scheduled<Void>?
    /// True once a response to the request being read has begun (the handler answered early,
    /// e.g. 413): then it is not answered again.
    private var responding = false

    init(limit: TimeAmount) {
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head:
            self.responding = false
            self.timer?.cancel()
            self.timer = context.eventLoop.assumeIsolated().scheduleTask(in: self.limit) { [self] in
                self.timedOut(context: context)
            }
        case .body:
            break
        case .end:
            self.timer?.cancel()
            self.timer = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head = self.unwrapOutboundIn(data) { self.responding = true }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
    }

    private func timedOut(context: ChannelHandlerContext) {
        self.timer = nil
        guard !self.responding, context.channel.isActive else { return }
        self.responding = true
        let milliseconds = self.limit.nanoseconds / 1_000_000
        let limit = milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
        let error = APIError(.requestTimeout, code: "request_timeout", message: "the request's body did not arrive within \(limit)")
        let body = error.body
        let head = HTTPResponse(
            status: .requestTimeout,
            headerFields: [.contentType: "application/json", .contentLength: "\(body.count)", .connection: "close"]
        )
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(self.wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
