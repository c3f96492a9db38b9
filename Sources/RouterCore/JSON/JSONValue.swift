/// Any JSON value, kept losslessly.
///
/// Event properties are stored and forwarded exactly as the source sent them: numbers keep their
/// literal text (`1234`, `0.10`, `1e3`), so nothing is rounded on the way through the router.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The string, when this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The members, when this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The JSON type's name, for error messages ("expected a string, found a number").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Looks up a member of an object; nil for other values.
    public subscript(key: String) -> JSONValue? {
        self.objectValue?[key]
    }

    /// True when equal and written alike: every number with the same text and every string and
    /// key with the same bytes. `==` holds for `1` and `1.0`, and for `"é"` written precomposed
    /// and decomposed (Swift compares strings by canonical equivalence); this does not, because
    /// a settings block is forwarded as written (a URL with either `é` is a different request).
    public func isWrittenAlike(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.number(let left), .number(let right)): left.text == right.text
        case (.string(let left), .string(let right)): left.utf8.elementsEqual(right.utf8)
        case (.array(let left), .array(let right)): left.count == right.count && zip(left, right).allSatisfy { $0.isWrittenAlike($1) }
        case (.object(let left), .object(let right)):
            left.count == right.count
                && left.allSatisfy { key, value in
                    guard let index = right.index(forKey: key) else { return false }
                    let (otherKey, otherValue) = right[index]
                    return key.utf8.elementsEqual(otherKey.utf8) && value.isWrittenAlike(otherValue)
                }
        default: self == other
        }
    }
}

/// A JSON value that equals another only when written alike (`isWrittenAlike`), for maps that
/// must keep `1` and `1.0` apart: settings decoded or shared once per text.
///
/// The hash is computed once: a map compares its key with every entry it probes on the way, and
/// two settings blocks with different hashes need not be walked (thousands of tenants, each with
/// its own file path, meet in one map at every start).
struct WrittenJSON: Hashable, Sendable {
    let value: JSONValue
    private let valueHash: Int

    init(value: JSONValue) {
        self.value = value
        self.valueHash = value.hashValue
    }

    static func == (lhs: WrittenJSON, rhs: WrittenJSON) -> Bool {
        lhs.valueHash == rhs.valueHash && lhs.value.isWrittenAlike(rhs.value)
    }

    // Written alike implies equal, and equal values hash alike.
    func hash(into hasher: inout Hasher) { hasher.combine(self.valueHash) }
}

/// A JSON number as the literal text it was written with.
///
/// Two numbers are equal when their values are equal (`1` equals `1.0`), so golden comparisons
/// do not depend on formatting; serialization writes the original text back.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The literal, e.g. `1234` or `-0.5e3`. Always valid JSON number syntax.
    public let text: String

    /// Wraps a literal that is known to be valid JSON number syntax.
    init(validatedText text: String) {
        self.text = text
    }

    /// Creates a number from an integer.
    public init(_ value: Int64) {
        self.text = String(value)
    }

    /// Creates a number from a finite double.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 1e15 {
            self.text = String(Int64(value))
        } else {
            self.text = "\(value)"
        }
    }

    /// The value as a double (possibly rounded).
    public var doubleValue: Double { Double(self.text) ?? .nan }

    /// The value as an integer, when it is one exactly.
    public var int64Value: Int64? { Int64(self.text) }

    /// The value written as a plain integer (`1.50e2` → `150`, `-3.0` → `-3`), worked out on the
    /// digits rather than through a double, so `9007199254740993.0` stays exact; nil when the
    /// value has a fraction or would need more than `maxDigits` digits.
    public func integerText(maxDigits: Int = 40) -> String? {
        var bytes = Substring(self.text).utf8[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        let mantissaEnd = bytes.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ?? bytes.endIndex
        let mantissa = bytes[..<mantissaEnd]
        if mantissa.allSatisfy({ $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: ".") }) { return "0" }
        var exponent = 0
        if mantissaEnd < bytes.endIndex {
            // Past this, a value that is not zero has a fraction or too many digits.
            guard let written = Int(String(decoding: bytes[bytes.index(after: mantissaEnd)...], as: UTF8.self)), abs(written) <= maxDigits * 2 else {
                return nil
            }
            exponent = written
        }
        let point = mantissa.firstIndex(of: UInt8(ascii: "."))
        var digits = Array(mantissa[..<(point ?? mantissa.endIndex)])
        if let point {
            let fraction = mantissa[mantissa.index(after: point)...]
            digits += fraction
            exponent -= fraction.count
        }
        if exponent < 0 {
            // Only zeros may be cut off the end.
            guard digits.count >= -exponent, digits.suffix(-exponent).allSatisfy({ $0 == UInt8(ascii: "0") }) else { return nil }
            digits.removeLast(-exponent)
        } else {
            digits += repeatElement(UInt8(ascii: "0"), count: exponent)
        }
        let significant = digits.drop { $0 == UInt8(ascii: "0") }
        guard significant.count <= maxDigits else { return nil }
        if significant.isEmpty { return "0" }
        return (negative ? "-" : "") + String(decoding: significant, as: UTF8.self)
    }

    public var description: String { self.text }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.text == rhs.text || lhs.doubleValue == rhs.doubleValue
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.doubleValue)
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text; a string's description is the string itself, unquoted.
    public var description: String {
        if case .string(let value) = self { return value }
        return String(decoding: JSONWriter.serialize(self), as: UTF8.self)
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(floatLiteral value: Double) { self = JSONNumber(value).map { .number($0) } ?? .null }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}
