import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import RouterCore
import Signing

/// POSTs each event as signed JSON to one URL, several at a time.
///
/// Every attempt is signed afresh (a new `webhook-timestamp`), with the event id as `webhook-id`
/// so receivers deduplicate retries. Bodies carry `Content-Length`; redirects are not followed.
public struct WebhookDestination: Destination {
    let url: String
    let signer: Signer
    let headers: [(String, String)]
    /// Lowercased names of the configured headers whose values came from the environment.
    var secretHeaders: Set<String> = []
    let timeout: Duration
    let concurrency: Int
    public let retryPolicy: any RetryPolicy
    let context: DestinationContext

    /// Up to `concurrency` requests to the URL's host at once.
    public var connectionDemand: ConnectionDemand? {
        ParsedURL(self.url).map { ConnectionDemand(host: "\($0.host):\($0.port)", connections: self.concurrency) }
    }

    public var batchLimits: BatchLimits { BatchLimits(maxEvents: max(self.concurrency * 4, 16), maxBytes: 4 << 20) }

    /// The `User-Agent` every request carries.
    public static let userAgent = "retention-router/\(RouterIdentity.version) (+webhook)"

    public func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
        // One lookup per batch: every request of this attempt goes to the address checked here.
        guard let url = ParsedURL(self.url) else {
            let reason = FailureReason(code: "invalid_url", message: "\(self.url) is not an http(s) URL")
            return Array(repeating: .rejected(reason: reason), count: batch.count)
        }
        let target = await self.context.addressGuard.target(for: url)
        switch target {
        case .refused(let reason): return Array(repeating: .rejected(reason: reason), count: batch.count)
        case .unresolved(let reason): return Array(repeating: .retry(after: nil, reason: reason), count: batch.count)
        case .pinned, .unpinned: break
        }
        var outcomes = [DeliveryOutcome?](repeating: nil, count: batch.count)
        // Once the receiver fails to answer at all (refused, reset, timed out), the rest of the
        // batch is not sent: an outage then costs one round of timeouts, not one per event.
        var unreachable: FailureReason?
        await withTaskGroup(of: (Int, DeliveryOutcome).self) { group in
            var next = 0
            func startNext() {
                guard next < batch.count, unreachable == nil else { return }
                let index = next
                let event = batch[index].event
                group.addTask { (index, await self.send(event, url: url, target: target)) }
                next += 1
            }
            for _ in 0..<min(self.concurrency, batch.count) { startNext() }
            while let (index, outcome) = await group.next() {
                outcomes[index] = outcome
                if case .retry(_, let reason) = outcome, reason.status == nil { unreachable = reason }
                startNext()
            }
        }
        let skipped = FailureReason(
            code: "not_sent",
            message: "not sent: the receiver did not answer another event of this batch (\(unreachable?.code ?? "unknown"))"
        )
        return outcomes.map { $0 ?? .retry(after: nil, reason: skipped) }
    }

    /// The requests `deliver` would send, one per event; configured header values that look
    /// like credentials are shown as `••••`, signatures as computed.
    public func preview(_ batch: [RoutedEvent], now: Timestamp) -> DeliveryPreview {
        DeliveryPreview(
            requests: batch.map { routed in
                let body = WebhookPayload.encode(routed.event)
                var headers = HTTPHeaders()
                self.addHeaders(to: &headers, body: body, id: routed.event.id, now: now)
                let shown = headers.map { header in
                    DeliveryPreview.Header(
                        name: header.name,
                        value: (Self.isCredential(header.name) && !self.isSignature(header.name))
                            || self.secretHeaders.contains(header.name.lowercased()) ? DeliveryPreview.mask : header.value
                    )
                }
                return .init(method: "POST", url: self.url, headers: shown, body: body)
            }
        )
    }

    private func addHeaders(to headers: inout HTTPHeaders, body: [UInt8], id: String, now: Timestamp) {
        for (name, value) in self.headers { headers.add(name: name, value: value) }
        headers.replaceOrAdd(name: "content-type", value: "application/json")
        headers.replaceOrAdd(name: "user-agent", value: Self.userAgent)
        for header in self.signer.headers(body: body, id: id, timestamp: now.secondsSince1970) {
            headers.replaceOrAdd(name: header.name, value: header.value)
        }
    }

    private func isSignature(_ name: String) -> Bool {
        self.signer.headers(body: [], id: "", timestamp: 0).contains { $0.name.lowercased() == name.lowercased() }
    }

    /// Header names whose values are credentials, shown masked in a preview.
    static func isCredential(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ["authorization", "proxy-authorization", "cookie"].contains(lowered)
            || ["token", "secret", "key", "auth", "password", "signature"].contains { lowered.contains($0) }
    }

    private func send(_ event: RetentionEvent, url: ParsedURL, target: OutboundTarget) async -> DeliveryOutcome {
        let body = WebhookPayload.encode(event)
        var request = HTTPClientRequest(url: self.url)
        request.method = .POST
        self.addHeaders(to: &request.headers, body: body, id: event.id, now: Timestamp.now())
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let answer = try await self.context.addressGuard.send(
                request,
                url: url,
                target: target,
                client: self.context.httpClient,
                timeout: self.timeout
            )
            return WebhookResponseClassifier.classify(
                status: answer.status,
                retryAfter: answer.headers.first(name: "retry-after"),
                body: answer.bodyExcerpt,
                now: Timestamp.now()
            )
        } catch {
            return HTTPFailure.outcome(for: error, service: "the webhook receiver")
        }
    }
}

