import HTTPTypes
import Hummingbird
import NIOCore
import RouterCore
import Signing
import Synchronization

/// A webhook receiver for tests that verifies every request with the router's own verifier and
/// answers from a script.
public final class FakeWebhookReceiver: Sendable {
    /// How to answer a request.
    public enum Behavior: Sendable {
        /// Answer with a status (and optional headers).
        case status(Int, headers: [String: String] = [:])
        /// Answer only after a long wait, so the sender times out.
        case hang(Duration)
        /// Answer 307 pointing elsewhere.
        case redirect(to: String)
        /// Answer a status with this body (a receiver that explains, or echoes, what it got).
        case respond(Int, body: String)
    }

    /// One request as received.
    public struct Received: Sendable {
        /// The request path.
        public let path: String
        /// Header names are lowercase.
        public let headers: [String: String]
        public let body: [UInt8]
        /// Nil when the signature verified; otherwise why not.
        public let verificationError: String?
        /// The status this request was answered with.
        public let answeredStatus: Int?

        /// The `webhook-id` header.
        public var webhookID: String? { self.headers[SignatureHeader.webhookID] }
        /// The body as JSON.
        public var json: JSONValue? { try? JSONParser.parse(self.body) }
        /// Every `v1,` signature in `webhook-signature`.
        public var signatures: [String] {
            (self.headers[SignatureHeader.webhookSignature] ?? "").split(separator: " ").map(String.init)
        }
    }

    private struct State {
        var script: [Behavior] = []
        var received: [Received] = []
    }

    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private let server: LoopbackHTTPServer
    private let shared: Shared

    /// The receiver's URL.
    public var url: String { self.server.url }

    /// Starts a receiver that verifies with `verifier`.
    public init(verifier: SignatureVerifier) async throws {
        let shared = Shared()
        self.shared = shared
        self.server = try await LoopbackHTTPServer(name: "fake-webhook") { request, _ in
            let body = try await request.body.collect(upTo: 8 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            // HTTP/1.1's Host header arrives as the request's authority.
            if let authority = request.head.authority { headers["host"] = authority }
            var failure: String?
            do {
                try verifier.verify(body: body.readableBytesView, header: { headers[$0] }, now: Timestamp.now().secondsSince1970)
            } catch let error as SignatureVerificationError {
                failure = "\(error.code): \(error.message)"
            }
            let behavior = shared.state.withLock { state -> Behavior in
                state.script.isEmpty ? .status(200) : state.script.removeFirst()
            }
            let record = { (status: Int?) in
                shared.state.withLock {
                    $0.received.append(Received(path: request.uri.path, headers: headers, body: Array(body.readableBytesView), verificationError: failure, answeredStatus: status))
                }
            }
            switch behavior {
            case .status(let status, let extra):
                record(status)
                var fields = HTTPFields()
                for (name, value) in extra { if let fieldName = HTTPField.Name(name) { fields[fieldName] = value } }
                return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: "answer \(status)")))
            case .hang(let duration):
                record(nil)
                try? await Task.sleep(for: duration)
                return Response(status: .ok)
            case .redirect(let location):
                record(307)
                return Response(status: .temporaryRedirect, headers: [.location: location])
            case .respond(let status, let text):
                record(status)
                return Response(status: .init(code: status), headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        }
    }

    /// Queues answers for the next requests; afterwards it answers 200.
    public func script(_ behaviors: [Behavior]) {
        self.shared.state.withLock { $0.script.append(contentsOf: behaviors) }
    }

    /// Every request received, in order.
    public var received: [Received] { self.shared.state.withLock { $0.received } }

    /// Stops the receiver.
    public func stop() async throws {
        try await self.server.stop()
    }
}
