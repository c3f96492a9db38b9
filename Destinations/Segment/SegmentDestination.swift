import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import RouterCore
import Signing

/// Sends events to Segment's HTTP Tracking API as Track (and Identify) calls in `/v1/batch`
/// requests.
///
/// One `deliver` call becomes one or more requests, each under 475,000 bytes and 2500 messages,
/// sent one after another. Events Segment would refuse or drop (a message over 32 KB, no user
/// id at all) are rejected without being sent. After the first request that must be retried,
/// the rest of the batch is not sent but marked for retry too, so the router keeps the order.
public struct SegmentDestination: Destination {
    /// The URL batches are posted to: `{endpoint}/v1/batch`.
    public let batchURL: String
    /// The settings it was built from.
    public let settings: SegmentSettings
    /// Turns events into messages.
    public let encoder: SegmentEncoder
    private let splitter: SegmentBatchSplitter
    private let authorization: String
    /// The batch URL, parsed once (the factory checked it).
    private let url: ParsedURL?
    private let context: DestinationContext

    /// Up to 2500 events gathered for at most a second. The byte limit counts stored properties,
    /// which the message envelope (identities, context, timestamps) grows by roughly a tenth, so
    /// it leaves a fifth of the 475,000-byte request as headroom: a batch then fits one request
    /// instead of spilling a small second one.
    public var batchLimits: BatchLimits {
        BatchLimits(
            maxEvents: SegmentBatchSplitter.defaultMaxMessages,
            maxBytes: SegmentBatchSplitter.defaultMaxRequestBytes * 4 / 5,
            maxWait: .seconds(1)
        )
    }

    /// One request at a time: the batches of a partition go out in order.
    public var connectionDemand: ConnectionDemand? {
        self.url.map { ConnectionDemand(host: "\($0.host):\($0.port)", connections: 1) }
    }

    /// Exponential backoff from `retry.initialDelay` to `retry.maxDelay` with 10% jitter, giving
    /// up after `maxRetryDuration`.
    public var retryPolicy: any RetryPolicy {
        ExponentialJitterRetryPolicy(
            base: self.settings.retry.initialDelay,
            cap: self.settings.retry.maxDelay,
            jitter: 0.1,
            maxAttempts: nil,
            giveUpAfter: self.settings.maxRetryDuration
        )
    }

    /// The `User-Agent` every request carries.
    public static var userAgent: String { "\(RouterIdentity.name)/\(RouterIdentity.version)" }

    /// Creates a destination; `SegmentDestinationFactory` checks the endpoint against the
    /// context's address guard first.
    ///
    /// - Parameters:
    ///   - settings: validated settings.
    ///   - context: the server's HTTP client, address guard and a logger stamped with the tenant
    ///     and destination.
    public init(settings: SegmentSettings, context: DestinationContext) {
        self.settings = settings
        self.batchURL = settings.endpoint + "/v1/batch"
        self.encoder = SegmentEncoder(settings: settings)
        self.splitter = SegmentBatchSplitter(
            envelopeBytes: SegmentEncoder.envelopeBytes(writeKey: settings.writeKey.value)
        )
        self.authorization = "Basic " + Base64.encode(Array((settings.writeKey.value + ":").utf8))
        self.url = ParsedURL(self.batchURL)
        self.context = context
    }

    public func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
        // One lookup per batch: every request of this attempt goes to the address checked here.
        guard let url = self.url else {
            let reason = FailureReason(code: "invalid_url", message: "\(self.batchURL) is not an http(s) URL")
            return Array(repeating: .rejected(reason: reason), count: batch.count)
        }
        let target = await self.context.addressGuard.target(for: url)
        switch target {
        case .refused(let reason): return Array(repeating: .rejected(reason: reason), count: batch.count)
        case .unresolved(let reason): return Array(repeating: .retry(after: nil, reason: reason), count: batch.count)
        case .pinned, .unpinned: break
        }
        var outcomes = [DeliveryOutcome?](repeating: nil, count: batch.count)
        var pending: [(index: Int, messages: [[UInt8]])] = []
        for (index, routed) in batch.enumerated() {
            switch self.encoder.encode(routed.event) {
            case .messages(let messages):
                pending.append((index, messages))
            case .unsendable(let reason):
                outcomes[index] = .rejected(reason: reason)
            }
        }
        var failure: DeliveryOutcome?
        for group in self.splitter.split(pending.map { $0.messages.map(\.count) }) {
            let members = group.map { pending[$0] }
            let outcome: DeliveryOutcome
            if let failure {
                outcome = failure
            } else {
                let retryCount = members.map { batch[$0.index].attempt - 1 }.max() ?? 0
                outcome = await self.send(members.flatMap(\.messages), retryCount: retryCount, url: url, target: target)
                if outcome.isRetry { failure = outcome }
            }
            for member in members { outcomes[member.index] = outcome }
        }
        let unreachable = FailureReason(code: "destination_error", message: "no outcome was decided for the event")
        return outcomes.map { $0 ?? .retry(after: nil, reason: unreachable) }
    }

    /// The `/v1/batch` requests `deliver` would post, with the write key shown as `••••`.
    public func preview(_ batch: [RoutedEvent], now: Timestamp) -> DeliveryPreview {
        var preview = DeliveryPreview()
        var pending: [[[UInt8]]] = []
        for routed in batch {
            switch self.encoder.encode(routed.event) {
            case .messages(let messages): pending.append(messages)
            case .unsendable(let reason): preview.unsent.append(.init(eventID: routed.event.id, reason: reason))
            }
        }
        for group in self.splitter.split(pending.map { $0.map(\.count) }) {
            let body = SegmentEncoder.body(messages: group.flatMap { pending[$0] }, sentAt: now, writeKey: DeliveryPreview.mask)
            let headers: [DeliveryPreview.Header] = [
                .init(name: "Authorization", value: "Basic " + DeliveryPreview.mask),
                .init(name: "Content-Type", value: "application/json"),
                .init(name: "User-Agent", value: Self.userAgent),
            ]
            preview.requests.append(.init(method: "POST", url: self.batchURL, headers: headers, body: body))
        }
        return preview
    }

    /// Posts one batch body and classifies the answer.
    private func send(_ messages: [[UInt8]], retryCount: Int, url: ParsedURL, target: OutboundTarget) async -> DeliveryOutcome {
        let body = SegmentEncoder.body(
            messages: messages,
            sentAt: Timestamp.now(),
            writeKey: self.settings.writeKey.value
        )
        var request = HTTPClientRequest(url: self.batchURL)
        request.method = .POST
        request.headers.add(name: "Authorization", value: self.authorization)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        if retryCount > 0 { request.headers.add(name: "X-Retry-Count", value: String(retryCount)) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let outcome: DeliveryOutcome
        do {
            let answer = try await self.context.addressGuard.send(
                request,
                url: url,
                target: target,
                client: self.context.httpClient,
                timeout: self.settings.timeout
            )
            outcome = SegmentResponseClassifier.classify(
                status: answer.status,
                retryAfter: answer.headers.first(name: "Retry-After"),
                body: answer.bodyExcerpt,
                now: Timestamp.now()
            )
        } catch {
            outcome = SegmentResponseClassifier.classify(error: error)
        }
        self.log(outcome, messages: messages.count, bytes: body.count)
        return outcome
    }

    private func log(_ outcome: DeliveryOutcome, messages: Int, bytes: Int) {
        var metadata: Logger.Metadata = ["message.count": "\(messages)", "request.bytes": "\(bytes)"]
        switch outcome {
        case .delivered:
            self.context.logger.debug("Segment batch accepted", metadata: metadata)
        case .retry(let after, let reason):
            metadata["error.code"] = "\(reason.code)"
            if let after { metadata["retry.after"] = "\(after)" }
            self.context.logger.debug("Segment batch will be retried", metadata: metadata)
        case .rejected(let reason):
            metadata["error.code"] = "\(reason.code)"
            self.context.logger.debug("Segment batch rejected", metadata: metadata)
        }
    }
}
