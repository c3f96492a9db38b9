import Foundation

/// Matches `EventQuery.text` against an event's properties (JSON object text): true when a
/// top-level string value contains the text, ignoring case, or a number or boolean is written
/// exactly as the text.
///
/// Most events of a search do not match, so the JSON text is searched first, with the C
/// library, for the query's `anchor`; text without it cannot match and is never parsed.
public struct PropertyTextMatcher: Sendable {
    private let text: String
    private let folded: String
    /// ASCII text that every matching JSON text contains, once its ASCII letters are lowercased,
    /// when it holds no escapes (then every value appears in it as written); nil when the query
    /// has no such part.
    ///
    /// The longest run of the lowercased query's ASCII characters, without a last character
    /// that a following non-ASCII one may combine with, without `;` and `` ` `` (which `String`
    /// finds equal to Greek characters) and without `k` (the lowercased Kelvin sign). Every other
    /// ASCII character is equal only to itself and no other character lowercases to it, so
    /// however a matching value composes its other characters, the run is in it byte for byte.
    public let anchor: String?

    /// A matcher for `text`; nil when there is nothing to search for.
    public init?(_ text: String?) {
        guard let text, !text.isEmpty else { return nil }
        self.text = text
        self.folded = text.lowercased()
        var longest = ""
        var run = ""
        for scalar in self.folded.unicodeScalars {
            if scalar.isASCII, scalar != ";", scalar != "`", scalar != "k" {
                run.unicodeScalars.append(scalar)
                continue
            }
            // A non-ASCII scalar may combine with the character before it.
            if !scalar.isASCII, !run.isEmpty { run.unicodeScalars.removeLast() }
            if run.utf8.count > longest.utf8.count { longest = run }
            run = ""
        }
        if run.utf8.count > longest.utf8.count { longest = run }
        self.anchor = longest.isEmpty || longest.utf8.contains(0) ? nil : longest
    }

    /// True when `json`, an object's text, has a matching top-level value.
    public func matches(_ json: [UInt8]) -> Bool {
        if let anchor = self.anchor, !Self.hasEscapes(json) {
            let found = String(decoding: json, as: UTF8.self).lowercased().withCString { haystack in
                anchor.withCString { needle in strstr(haystack, needle) != nil }
            }
            guard found else { return false }
        }
        guard case .object(let members)? = try? JSONParser.parse(json) else { return false }
        return members.values.contains { value in
            switch value {
            case .string(let string): string.lowercased().contains(self.folded)
            case .number(let number): number.text == self.text
            case .bool(let flag): (flag ? "true" : "false") == self.text
            case .null, .array, .object: false
            }
        }
    }

    private static func hasEscapes(_ json: [UInt8]) -> Bool {
        json.withUnsafeBytes { buffer in
            buffer.baseAddress.map { memchr($0, Int32(UInt8(ascii: "\\")), buffer.count) != nil } ?? false
        }
    }
}
