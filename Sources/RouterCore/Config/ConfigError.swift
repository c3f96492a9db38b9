/// One problem in the configuration: the file, the JSON path inside it, and what is expected.
///
/// `description` reads `config/tenants/acme.json: destinations[1].settings.endpoint: must be ...`.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A closed set of reasons.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        private init(_ description: String) { self.description = description }
        public static var unreadableFile: Self { .init("unreadable_file") }
        public static var malformedJSON: Self { .init("malformed_json") }
        public static var missingKey: Self { .init("missing_key") }
        public static var unknownKey: Self { .init("unknown_key") }
        public static var wrongType: Self { .init("wrong_type") }
        public static var invalidValue: Self { .init("invalid_value") }
        public static var unsetEnvironmentVariable: Self { .init("unset_environment_variable") }
        public static var unknownDestinationType: Self { .init("unknown_destination_type") }
        public static var duplicate: Self { .init("duplicate") }
    }

    /// The reason.
    public var code: Code
    /// The file at fault, as given (relative paths stay relative).
    public var file: String
    /// The JSON path inside the file, e.g. `destinations[0].settings.path`; empty for the whole file.
    public var path: String
    /// What is wrong and what is expected.
    public var message: String

    /// Creates an error.
    public init(code: Code, file: String, path: String, message: String) {
        self.code = code
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String {
        self.path.isEmpty ? "\(self.file): \(self.message)" : "\(self.file): \(self.path): \(self.message)"
    }
}

/// Every problem found in a configuration, thrown together so an operator fixes them in one go.
public struct ConfigErrors: Error, CustomStringConvertible, Sendable {
    /// The problems, in file order.
    public var errors: [ConfigError]

    /// Wraps a list of problems.
    public init(_ errors: [ConfigError]) {
        self.errors = errors
    }

    public var description: String {
        self.errors.map(\.description).joined(separator: "\n")
    }
}
