import RouterCore

/// A test send's outcome in words, for the console page and the JSON API alike.
public struct TestSendReport: Sendable {
    /// `delivered`, `failed` (will not work as configured), `retry` (a transient failure) or `timeout`.
    public var outcome: String
    /// The synthetic event's id and type.
    public var eventID: String
    public var type: String
    /// The HTTP status the destination answered, when it answered one.
    public var status: Int?
    public var latencyMilliseconds: Int64
    /// The error code and the response excerpt (first 1 KB), when it failed.
    public var code: String?
    public var response: String?
    /// What to change, in plain language, when it failed.
    public var hint: String?

    /// Describes `result` for destination `destination` of `tenant`.
    public init(_ result: TestSend.Result, destination: ConfiguredDestination, tenant: TenantConfiguration) {
        self.eventID = result.eventID
        self.type = result.type.rawValue
        self.latencyMilliseconds = result.latencyMilliseconds
        let reason: FailureReason?
        switch result.outcome {
        case .delivered?:
            self.outcome = "delivered"
            reason = nil
        case .retry(_, let failure)?:
            self.outcome = "retry"
            reason = failure
        case .rejected(let failure)?:
            self.outcome = "failed"
            reason = failure
        case nil:
            self.outcome = "timeout"
            reason = FailureReason(
                code: "timeout",
                message: "no answer within \(TestSend.timeout.components.seconds) s; the test gave up waiting (real deliveries wait for the destination's own timeout)"
            )
        }
        self.status = reason?.status
        self.code = reason?.code
        self.response = reason.map { String(decoding: $0.message.utf8.prefix(1024), as: UTF8.self) }
        self.hint = reason.map { FailureHint.explain($0, type: destination.type, id: destination.id, file: tenant.file) }
    }

    /// True when the destination has the event.
    public var delivered: Bool { self.outcome == "delivered" }
}
