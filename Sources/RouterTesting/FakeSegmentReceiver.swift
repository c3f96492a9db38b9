import HTTPTypes
import Hummingbird
import NIOCore
import RouterCore
import Signing
import Synchronization

/// A loopback stand-in for Segment's `/v1/batch` endpoint that enforces what Segment enforces
/// and records what it accepted.
///
/// It checks, in order: Basic auth with the expected write key (401), a JSON content type,
/// a body of at most 500 KB, valid JSON with a `batch` array, each message at most 32 KB with a
/// `type`, a `messageId` of at most 100 characters, a `userId` or `anonymousId`, and an `event`
/// on Track calls (400 with `{"code": ..., "message": ...}`). Where real Segment answers 200 and
/// drops a message silently, the fake answers 400 so tests see the mistake.
///
/// Tests can script failures: `respond(.status(500), times: 3)`, `respond(.rateLimited(retryAfter: "2"))`
/// until changed, or `.hang` (no answer until the behaviour changes or the receiver stops).
/// Call `stop()` at the end.
public final class FakeSegmentReceiver: Sendable {
    /// How the receiver answers the next requests.
    public enum Behavior: Sendable, Equatable {
        /// Validate and accept, as Segment does.
        case accept
        /// Answer this status with a JSON error body, and `Retry-After` when given.
        case status(Int, retryAfter: String? = nil)
        /// Answer nothing until the behaviour changes or the receiver stops (then 503).
        case hang

        /// 429 with `Retry-After`.
        public static func rateLimited(retryAfter: String) -> Self { .status(429, retryAfter: retryAfter) }
        /// 500.
        public static var serverError: Self { .status(500) }
        /// 400.
        public static var badRequest: Self { .status(400) }
    }

    /// One request as it arrived.
    public struct RecordedRequest: Sendable {
        /// The request path.
        public let path: String
        /// The header fields, names lowercased, in arrival order.
        public let headers: [(name: String, value: String)]
        /// The raw body.
        public let body: [UInt8]
        /// When it arrived.
        public let receivedAt: ContinuousClock.Instant
        /// The status answered; nil while unanswered.
        public internal(set) var status: Int?

        /// The first value of a header, case-insensitive.
        public func header(_ name: String) -> String? {
            let lowered = name.lowercased()
            return self.headers.first { $0.name == lowered }?.value
        }

        /// The body parsed as JSON, or nil.
        public var json: JSONValue? { try? JSONParser.parse(self.body) }
    }

    private struct State {
        var behavior: Behavior = .accept
        var remaining: Int?
        var generation = 0
        var stopped = false
        var requests: [RecordedRequest] = []
        var messages: [JSONValue] = []
        /// `Authorization` values whose requests hang until `release` (see `hold`).
        var held: Set<String> = []
        var heldGeneration = 0
        /// Requests holding now.
        var holding = 0
    }

    /// The state the receiver and its request handler share.
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    /// Segment's per-request limit.
    public static let maxBatchBytes = 500_000
    /// Segment's per-message limit.
    public static let maxMessageBytes = 32 * 1024

    /// The write key requests must carry.
    public let writeKey: String
    private let shared: Shared
    private let server: LoopbackHTTPServer

    /// The bound port.
    public var port: Int { self.server.port }

    /// `http://127.0.0.1:PORT`, the value for the destination's `endpoint` setting.
    public var url: String { self.server.url }

    /// Starts a receiver on an ephemeral loopback port that accepts `writeKey` and any of
    /// `otherWriteKeys` (several tenants' sources on one Segment host).
    public init(writeKey: String = "test-write-key", otherWriteKeys: Set<String> = []) async throws {
        self.writeKey = writeKey
        let shared = Shared()
        self.shared = shared
        let handler = Handler(writeKeys: otherWriteKeys.union([writeKey]), shared: shared)
        self.server = try await LoopbackHTTPServer(name: "fake-segment") { request, context in
            try await handler.handle(request, context: context)
        }
    }

    /// Sets how the next `times` requests are answered (then back to `.accept`), or all of them
    /// until changed when `times` is nil. Releases requests that are hanging.
    public func respond(_ behavior: Behavior, times: Int? = nil) {
        self.shared.state.withLock { state in
            state.behavior = behavior
            state.remaining = times
            state.generation += 1
        }
    }

    /// Holds every request for these write keys (it hangs, unanswered) until `release`, as a
    /// Segment that stops answering some sources would; other keys are answered as usual.
    public func hold(writeKeys: Set<String>) {
        self.shared.state.withLock { state in
            state.held = Set(writeKeys.map { "Basic " + Base64.encode(Array(($0 + ":").utf8)) })
            state.heldGeneration += 1
        }
    }

    /// How many requests are being held right now.
    public var holding: Int { self.shared.state.withLock { $0.holding } }

    /// Answers the held requests (as accepted) and holds no more.
    public func release() {
        self.shared.state.withLock { state in
            state.held = []
            state.heldGeneration += 1
        }
    }

    /// Every message accepted, in arrival order (duplicates included).
    public var messages: [JSONValue] { self.shared.state.withLock { $0.messages } }

    /// The `messageId` of every accepted message, in arrival order.
    public var messageIDs: [String] { self.messages.compactMap { $0["messageId"]?.stringValue } }

    /// The `messageId` of every accepted Track message, in arrival order.
    public var trackMessageIDs: [String] {
        self.messages.filter { $0["type"]?.stringValue == "track" }.compactMap { $0["messageId"]?.stringValue }
    }

    /// Every request received, in arrival order, whatever the answer.
    public var requests: [RecordedRequest] { self.shared.state.withLock { $0.requests } }

    /// Stops the server, releasing hanging requests first.
    public func stop() async throws {
        self.shared.state.withLock { $0.stopped = true }
        try await self.server.stop()
    }

    /// Handles `/v1/batch`; its state is shared with the receiver.
    private struct Handler: Sendable {
        let writeKeys: Set<String>
        let shared: Shared

        func handle(_ request: Request, context: BasicRequestContext) async throws -> Response {
            guard request.method == .post, request.uri.path == "/v1/batch" else {
                return Self.error(404, "not_found", "only POST /v1/batch is served")
            }
            let buffer = try await request.body.collect(upTo: 4 << 20)
            let body = Array(buffer.readableBytesView)
            let recorded = RecordedRequest(
                path: request.uri.path,
                headers: request.headers.map { ($0.name.canonicalName, $0.value) },
                body: body,
                receivedAt: .now,
                status: nil
            )
            let authorization = request.headers[.authorization] ?? ""
            let heldAt: Int? = self.shared.state.withLock { state in
                guard state.held.contains(authorization) else { return nil }
                state.holding += 1
                return state.heldGeneration
            }
            if let heldAt {
                await self.waitWhileHeld(since: heldAt)
                self.shared.state.withLock { $0.holding -= 1 }
            }
            let (index, behavior, generation) = self.shared.state.withLock { state in
                state.requests.append(recorded)
                let behavior = state.behavior
                if let remaining = state.remaining {
                    if remaining <= 1 {
                        state.behavior = .accept
                        state.remaining = nil
                    } else {
                        state.remaining = remaining - 1
                    }
                }
                return (state.requests.count - 1, behavior, state.generation)
            }
            let (status, response): (Int, Response)
            switch behavior {
            case .accept:
                (status, response) = self.validateAndRecord(request, body: body)
            case .status(let code, let retryAfter):
                var headers: HTTPFields = [:]
                if let retryAfter { headers[.retryAfter] = retryAfter }
                (status, response) = (
                    code, Self.error(code, "scripted", "the test asked for HTTP \(code)", headers: headers)
                )
            case .hang:
                await self.waitForRelease(from: generation)
                (status, response) = (503, Self.error(503, "released", "the hanging request was released"))
            }
            self.shared.state.withLock { $0.requests[index].status = status }
            return response
        }

        private func waitWhileHeld(since generation: Int) async {
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline {
                let released = self.shared.state.withLock { $0.stopped || $0.heldGeneration != generation }
                if released { return }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }

        private func waitForRelease(from generation: Int) async {
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline {
                let released = self.shared.state.withLock { $0.stopped || $0.generation != generation }
                if released { return }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }

        private func validateAndRecord(_ request: Request, body: [UInt8]) -> (Int, Response) {
            guard let authorization = request.headers[.authorization],
                self.writeKeys.contains(where: { authorization == "Basic " + Base64.encode(Array(($0 + ":").utf8)) })
            else {
                return (401, Self.error(401, "unauthorized", "missing or wrong Basic authorization for the write key"))
            }
            guard let contentType = request.headers[.contentType]?.lowercased(),
                contentType == "application/json" || contentType.hasPrefix("application/json;")
            else {
                return (400, Self.error(400, "invalid_content_type", "Content-Type must be application/json"))
            }
            guard body.count <= FakeSegmentReceiver.maxBatchBytes else {
                return (
                    400, Self.error(400, "payload_too_large", "the batch is \(body.count) bytes; the limit is 500KB")
                )
            }
            guard let root = try? JSONParser.parse(body), case .array(let batch)? = root["batch"] else {
                return (400, Self.error(400, "invalid_json", "the body must be JSON with a batch array"))
            }
            if let key = root["writeKey"], !self.writeKeys.contains(key.stringValue ?? "") || authorization != "Basic " + Base64.encode(Array(((key.stringValue ?? "") + ":").utf8)) {
                return (401, Self.error(401, "unauthorized", "the writeKey in the body is wrong"))
            }
            for (position, message) in batch.enumerated() {
                if let problem = Self.problem(with: message) {
                    return (400, Self.error(400, "invalid_message", "batch[\(position)]: \(problem)"))
                }
            }
            self.shared.state.withLock { $0.messages.append(contentsOf: batch) }
            return (
                200,
                Response(
                    status: .ok,
                    headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"success":true}"#))
                )
            )
        }

        private static func problem(with message: JSONValue) -> String? {
            guard message.objectValue != nil else { return "must be an object" }
            let size = JSONWriter.serialize(message).count
            guard size <= FakeSegmentReceiver.maxMessageBytes else { return "is \(size) bytes; the limit is 32KB" }
            let types: Set<String> = ["identify", "track", "page", "screen", "group", "alias"]
            guard let type = message["type"]?.stringValue, types.contains(type) else {
                return "type is missing or unknown"
            }
            guard let messageID = message["messageId"]?.stringValue, !messageID.isEmpty, messageID.count <= 100 else {
                return "messageId must be a string of 1 to 100 characters"
            }
            let userID = message["userId"]?.stringValue ?? ""
            let anonymousID = message["anonymousId"]?.stringValue ?? ""
            guard !userID.isEmpty || !anonymousID.isEmpty else { return "userId or anonymousId is required" }
            if type == "track" {
                guard let event = message["event"]?.stringValue, !event.isEmpty else { return "track needs an event" }
            }
            return nil
        }

        private static func error(_ status: Int, _ code: String, _ message: String, headers: HTTPFields = [:])
            -> Response
        {
            var headers = headers
            headers[.contentType] = "application/json"
            let body = JSONWriter.serialize(["code": .string(code), "message": .string(message)])
            return Response(
                status: HTTPResponse.Status(code: status),
                headers: headers,
                body: .init(byteBuffer: ByteBuffer(bytes: body))
            )
        }
    }
}
