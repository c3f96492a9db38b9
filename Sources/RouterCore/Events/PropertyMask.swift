import Foundation

/// Which properties of a tenant's events the console and the operator API hide as `••••`
/// (`"console": {"maskProperties": [...]}` in the tenant file), and the hiding itself.
///
/// The mask changes only what operators are shown: deliveries always carry the event as
/// accepted. Hiding works on the stored text: a matching member keeps its name and its place,
/// and its value becomes the string `"••••"`; every other byte is kept as sent. Texts derived
/// from the event (a preview, a receiver's response excerpt) cannot be hidden by name, so the
/// hidden values themselves are replaced in them (`redact`).
public struct PropertyMask: Sendable, Equatable {
    /// What hidden values are shown as.
    public static let placeholder = "••••"
    /// Values shorter than this are not searched for in derived texts: replacing every `1` or
    /// `true` in a response would hide everything and protect nothing.
    public static let shortestRedactedValue = 4

    /// The patterns of the names to hide.
    public let patterns: [PropertyPattern]

    /// Creates a mask of `patterns`.
    public init(_ patterns: [PropertyPattern]) {
        self.patterns = patterns
    }

    /// A mask that hides nothing.
    public static let none = PropertyMask([])

    /// True when it hides nothing.
    public var isEmpty: Bool { self.patterns.isEmpty }

    /// `properties` (a JSON object's text) with every matching member's value replaced by
    /// `"••••"`, and the hidden values as texts to `redact` from derived texts. Text that is
    /// not a JSON object is hidden whole.
    public func hide(inProperties properties: [UInt8]) -> (text: [UInt8], hidden: [String]) {
        guard !self.isEmpty else { return (properties, []) }
        let members: [(key: Range<Int>, decodedName: [UInt8]?, value: Range<Int>)]
        do {
            members = try properties.withUnsafeBytes { try JSONParser.objectMemberRanges($0) }
        } catch {
            return (Array("{}".utf8), [])
        }
        var output: [UInt8] = []
        output.reserveCapacity(properties.count)
        var copied = 0
        var hidden: [String] = []
        let replacement = Array("\"\(Self.placeholder)\"".utf8)
        for member in members {
            let name = member.decodedName ?? Array(properties[(member.key.lowerBound + 1)..<(member.key.upperBound - 1)])
            let matches = name.withUnsafeBufferPointer { bytes in self.patterns.contains { $0.matches(bytes: bytes) } }
            guard matches else { continue }
            output.append(contentsOf: properties[copied..<member.value.lowerBound])
            output.append(contentsOf: replacement)
            copied = member.value.upperBound
            if let value = try? JSONParser.parse(Array(properties[member.value])) {
                Self.collectTexts(value, into: &hidden)
            }
        }
        output.append(contentsOf: properties[copied...])
        return (output, hidden)
    }

    /// `text` with every hidden value (and its JSON-escaped spelling) replaced by `••••`.
    public static func redact(_ text: String, hiding hidden: [String]) -> String {
        guard !hidden.isEmpty, !text.isEmpty else { return text }
        var spellings = Set<String>()
        for value in hidden where value.count >= Self.shortestRedactedValue {
            spellings.insert(value)
            let escaped = String(decoding: JSONWriter.serialize(.string(value)).dropFirst().dropLast(), as: UTF8.self)
            spellings.insert(escaped)
        }
        var result = text
        // Longest first, so a value that contains another is hidden whole.
        for spelling in spellings.sorted(by: { $0.count > $1.count }) where result.contains(spelling) {
            result = result.replacingOccurrences(of: spelling, with: Self.placeholder)
        }
        return result
    }

    /// The scalar texts inside a hidden value: strings as decoded, numbers as written.
    private static func collectTexts(_ value: JSONValue, into texts: inout [String]) {
        switch value {
        case .string(let text): texts.append(text)
        case .number(let number): texts.append(number.description)
        case .array(let items): items.forEach { Self.collectTexts($0, into: &texts) }
        case .object(let members): members.values.forEach { Self.collectTexts($0, into: &texts) }
        case .bool, .null: break
        }
    }
}
