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
    let timeout: Duration
    let concurrency: Int
    public let retryPolicy: any RetryPolicy
    let context: DestinationContext

    public var batchLimits: BatchLimits { BatchLimits(maxEvents: max(self.concurrency * 4, 16), maxBytes: 4 << 20) }

    /// The `User-Agent` every request carries.
    public static let userAgent = "retention-router/\(RouterIdentity.version) (+webhook)"

    public func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
        let host = ParsedURL(self.url)?.host ?? ""
        if let reason = await self.context.addressGuard.refusal(host: host) {
            return Array(repeating: .rejected(reason: reason), count: batch.count)
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
                group.addTask { (index, await self.send(event)) }
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

    private func send(_ event: RetentionEvent) async -> DeliveryOutcome {
        let body = WebhookPayload.encode(event)
        let now = Timestamp.now()
        var request = HTTPClientRequest(url: self.url)
        request.method = .POST
        for (name, value) in self.headers { request.headers.add(name: name, value: value) }
        request.headers.replaceOrAdd(name: "content-type", value: "application/json")
        request.headers.replaceOrAdd(name: "user-agent", value: Self.userAgent)
        for header in self.signer.headers(body: body, id: event.id, timestamp: now.secondsSince1970) {
            request.headers.replaceOrAdd(name: header.name, value: header.value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let answer = try await self.context.httpClient.send(request, timeout: self.timeout)
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

