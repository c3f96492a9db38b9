import RouterCore

/// Decides what a receiver's answer means for one event. Pure.
///
/// | Answer | Outcome |
/// |---|---|
/// | 2xx | delivered |
/// | 3xx (redirects are not followed) | retry |
/// | 408, 429 | retry, honouring `Retry-After` |
/// | 5xx | retry, honouring `Retry-After` |
/// | other 4xx | rejected (dead letter) with the status and the first KB of the body |
public enum WebhookResponseClassifier {
    /// The longest wait a `Retry-After` can ask for.
    public static let maxRetryAfter: Duration = .seconds(3600)

    /// Classifies an HTTP answer.
    public static func classify(status: Int, retryAfter: String?, body: some Collection<UInt8>, now: Timestamp) -> DeliveryOutcome {
        if (200..<300).contains(status) { return .delivered }
        let excerpt = HTTPFailure.excerpt(body)
        let suffix = excerpt.isEmpty ? "" : ": \(excerpt)"
        let code = "http_\(status)"
        let wait = retryAfter.flatMap { HTTPFailure.retryAfter($0, now: now, cap: Self.maxRetryAfter) }
        switch status {
        case 300..<400:
            let message = "the receiver answered HTTP \(status), a redirect, which is not followed; point url at the final address\(suffix)"
            return .retry(after: nil, reason: FailureReason(code: code, message: message, status: status))
        case 408, 429, 500...:
            return .retry(after: wait, reason: FailureReason(code: code, message: "the receiver answered HTTP \(status)\(suffix)", status: status))
        default:
            return .rejected(reason: FailureReason(code: code, message: "the receiver refused the event with HTTP \(status)\(suffix)", status: status))
        }
    }
}
