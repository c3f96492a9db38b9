extension ConfigError {
    /// Turns a `DecodingError` into a config error with the full JSON path.
    ///
    /// - Parameters:
    ///   - error: what the decoder threw.
    ///   - file: the file being decoded.
    ///   - prefix: the path of the decoded value inside the file, e.g. `destinations[0].settings`.
    public init(decoding error: DecodingError, file: String, prefix: String) {
        func path(_ keys: [any CodingKey]) -> String {
            let rendered = JSONPath.render(keys)
            if prefix.isEmpty { return rendered }
            if rendered.isEmpty { return prefix }
            return rendered.hasPrefix("[") ? prefix + rendered : prefix + "." + rendered
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(code: .missingKey, file: file, path: path(context.codingPath + [key]), message: "is required")
        case .typeMismatch(let type, let context):
            let expected = context.debugDescription.hasPrefix("expected") ? context.debugDescription : "expected \(Self.describe(type))"
            self.init(code: .wrongType, file: file, path: path(context.codingPath), message: expected)
        case .valueNotFound(let type, let context):
            self.init(code: .wrongType, file: file, path: path(context.codingPath), message: "must not be null; expected \(Self.describe(type))")
        case .dataCorrupted(let context):
            let code: Code =
                if context.debugDescription.hasPrefix("unknown key") {
                    .unknownKey
                } else if context.debugDescription.hasPrefix("the environment variable") {
                    .unsetEnvironmentVariable
                } else {
                    .invalidValue
                }
            self.init(code: code, file: file, path: path(context.codingPath), message: context.debugDescription)
        @unknown default:
            self.init(code: .invalidValue, file: file, path: prefix, message: "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type, is UInt16.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is [Any].Type: "an array"
        case is [String: Any].Type: "an object"
        default:
            if String(describing: type).hasPrefix("Array") { "an array" }
            else if String(describing: type).hasPrefix("Dictionary") { "an object" }
            else { "a value of type \(type)" }
        }
    }
}
