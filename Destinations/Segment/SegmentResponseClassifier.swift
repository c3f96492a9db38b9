import RouterCore

/// Decides what Segment's answer to one `/v1/batch` request means for the events in it.
///
/// Pure: status, `Retry-After` and body in, outcome out. The rules follow Segment's current Node
/// and Python libraries (`reference/protocols.md` §1.9):
///
/// | Answer | Outcome |
/// |---|---|
/// | 2xx | delivered |
/// | 408, 410, 429, 460 | retry |
/// | other 4xx (400 malformed or too large, 401 bad write key, ...) | rejected |
/// | 501, 505 | rejected |
/// | other 5xx | retry |
/// | 1xx, 3xx (redirects are not followed), others | retry |
/// | network error or timeout | retry |
///
/// A `Retry-After` (seconds or an HTTP date) on a retried answer is passed on, capped at 300 s.
public enum SegmentResponseClassifier {
    /// The longest wait a `Retry-After` can ask for.
    public static let maxRetryAfter: Duration = .seconds(300)

    /// Classifies an HTTP answer.
    ///
    /// - Parameters:
    ///   - status: the HTTP status code.
    ///   - retryAfter: the `Retry-After` header, if any.
    ///   - body: the start of the response body (only the first 1 KB is used).
    ///   - now: the current time, for an HTTP-date `Retry-After`.
    public static func classify(
        status: Int,
        retryAfter: String?,
        body: some Collection<UInt8>,
        now: Timestamp
    ) -> DeliveryOutcome {
        if (200..<300).contains(status) { return .delivered }
        let excerpt = HTTPFailure.excerpt(body)
        let suffix = excerpt.isEmpty ? "" : ": \(excerpt)"
        let code = "http_\(status)"
        switch status {
        case 408, 410, 429, 460:
            let reason = FailureReason(code: code, message: "Segment answered HTTP \(status)\(suffix)", status: status)
            return .retry(after: retryAfter.flatMap { Self.retryAfter($0, now: now) }, reason: reason)
        case 401, 403:
            let message = "Segment refused the write key with HTTP \(status); check writeKey\(suffix)"
            return .rejected(reason: FailureReason(code: code, message: message, status: status))
        case 404:
            let message = "Segment answered HTTP 404; check endpoint\(suffix)"
            return .rejected(reason: FailureReason(code: code, message: message, status: status))
        case 400..<500, 501, 505:
            let message = "Segment rejected the batch with HTTP \(status)\(suffix)"
            return .rejected(reason: FailureReason(code: code, message: message, status: status))
        case 300..<400:
            let message = "Segment answered HTTP \(status), a redirect, which is not followed; check endpoint\(suffix)"
            return .retry(after: nil, reason: FailureReason(code: code, message: message, status: status))
        default:
            let message = "Segment answered HTTP \(status)\(suffix)"
            let reason = FailureReason(code: code, message: message, status: status)
            return .retry(after: retryAfter.flatMap { Self.retryAfter($0, now: now) }, reason: reason)
        }
    }

    /// Classifies a request that got no answer (refused, reset, timed out): always a retry.
    public static func classify(error: any Error) -> DeliveryOutcome {
        HTTPFailure.outcome(for: error, service: "Segment")
    }

    /// Reads a `Retry-After` value: whole seconds or an HTTP date, capped at `maxRetryAfter`;
    /// a date in the past is zero. Nil when the value is neither.
    public static func retryAfter(_ value: String, now: Timestamp) -> Duration? {
        HTTPFailure.retryAfter(value, now: now, cap: Self.maxRetryAfter)
    }
}
