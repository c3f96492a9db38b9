/// A filter or form value an operator gave that cannot be used: which field, and what is expected.
/// The JSON API answers it as 422 `invalid_field`; the console shows the sentence above the form.
public struct OperatorInputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The query parameter or form field.
    public var field: String
    /// What is expected instead.
    public var message: String

    /// Creates the error.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(self.field): \(self.message)" }
}
