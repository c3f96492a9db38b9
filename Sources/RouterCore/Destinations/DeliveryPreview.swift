/// What a destination would send for a batch, without sending it: the answer to
/// `retention-router preview` and the admin preview route, so a user can check a transform (or
/// any setting) before trusting it.
///
/// Secrets (a write key, an `Authorization` header) are shown as `••••`; everything else is the
/// exact bytes the destination would write, signatures included.
public struct DeliveryPreview: Sendable, Equatable {
    /// One HTTP header.
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// One HTTP request.
    public struct Request: Sendable, Equatable {
        public var method: String
        public var url: String
        public var headers: [Header]
        public var body: [UInt8]

        public init(method: String, url: String, headers: [Header], body: [UInt8]) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
        }
    }

    /// Bytes appended to a file.
    public struct FileWrite: Sendable, Equatable {
        public var path: String
        public var bytes: [UInt8]

        public init(path: String, bytes: [UInt8]) {
            self.path = path
            self.bytes = bytes
        }
    }

    /// An event that would not be sent, and why.
    public struct Unsent: Sendable, Equatable {
        public var eventID: String
        public var reason: FailureReason

        public init(eventID: String, reason: FailureReason) {
            self.eventID = eventID
            self.reason = reason
        }
    }

    /// The masked form of a secret.
    public static let mask = "••••"

    /// The requests, in the order they would go out.
    public var requests: [Request]
    /// The file writes, in order.
    public var fileWrites: [FileWrite]
    /// The events that would not be sent.
    public var unsent: [Unsent]

    /// Creates a preview.
    public init(requests: [Request] = [], fileWrites: [FileWrite] = [], unsent: [Unsent] = []) {
        self.requests = requests
        self.fileWrites = fileWrites
        self.unsent = unsent
    }

    /// Adds what another preview holds.
    public mutating func append(_ other: DeliveryPreview) {
        self.requests += other.requests
        self.fileWrites += other.fileWrites
        self.unsent += other.unsent
    }
}
