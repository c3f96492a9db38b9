/// Why an ingest request was refused, with the field at fault.
///
/// The server turns it into `{"error": {"code", "message", "field"}}` with the status `kind` says.
public struct IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What class of problem this is; it picks the HTTP status.
    public enum Kind: Sendable, Equatable {
        /// The body is not acceptable JSON (400).
        case malformed
        /// A field fails validation (422).
        case invalid
    }

    /// A closed set of reasons, safe as a metric label.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        private init(_ description: String) { self.description = description }
        public static var malformedJSON: Self { .init("malformed_json") }
        public static var invalidUTF8: Self { .init("invalid_utf8") }
        public static var tooDeep: Self { .init("too_deep") }
        public static var duplicateKey: Self { .init("duplicate_key") }
        public static var missingField: Self { .init("missing_field") }
        public static var invalidField: Self { .init("invalid_field") }
        public static var tooManyEvents: Self { .init("too_many_events") }
    }

    /// The class of problem.
    public let kind: Kind
    /// The reason.
    public let code: Code
    /// The JSON path of the field at fault, e.g. `batch[3].event`; nil for whole-body problems.
    public let field: String?
    /// A sentence for humans saying what was expected.
    public let message: String

    /// Creates an error.
    public init(kind: Kind, code: Code, field: String?, message: String) {
        self.kind = kind
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field = self.field { return "\(field): \(self.message)" }
        return self.message
    }
}
