/// Why one delivery attempt did not succeed: a bounded code for metrics and APIs, and details
/// for people.
public struct FailureReason: Sendable, Hashable, CustomStringConvertible {
    /// A short, bounded code, e.g. `http_500`, `timeout`, `connection_failed`, `event_too_large`.
    public var code: String
    /// What happened, for an operator; never contains secrets.
    public var message: String
    /// The HTTP status the destination answered with, when there was one.
    public var status: Int?

    /// Creates a reason.
    public init(code: String, message: String, status: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { "\(self.code): \(self.message)" }
}
