/// A property name in a transform's `drop` or `keep` list: an exact name such as
/// `field.cancel.email`, or one with `*` wildcards such as `field.cancel.account.*`.
///
/// A `*` matches any run of characters, dots and brackets included, so `survey.*` matches
/// `survey.reason_for_leaving[0].value`. Names are compared by their UTF-8 bytes: `é` and
/// `e\u{301}` are two names, as they are everywhere else in the router.
public struct PropertyPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String
    /// The literal pieces between the wildcards; one piece means an exact name.
    private let pieces: [[UInt8]]

    /// Creates a pattern, or nil when `problem(in:)` has something to say about `text`.
    public init?(_ text: String) {
        guard Self.problem(in: text) == nil else { return nil }
        self.text = text
        self.pieces = text.utf8.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: false).map(Array.init)
    }

    /// Why `text` is not a pattern, or nil when it is one.
    public static func problem(in text: String) -> String? {
        if text.isEmpty { return "a property name cannot be empty" }
        if text.contains("**") { return "\"\(text)\" holds \"**\"; one \"*\" already matches any run of characters, dots included" }
        return nil
    }

    /// True when the pattern has no wildcard.
    public var isExact: Bool { self.pieces.count == 1 }

    public var description: String { self.text }

    /// True when `name` matches the pattern.
    public func matches(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { self.matches(bytes: $0) }
    }

    /// True when the name with these UTF-8 bytes matches the pattern.
    func matches(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = self.pieces.first, let last = self.pieces.last else { return false }
        if self.pieces.count == 1 { return bytes.elementsEqual(first) }
        guard bytes.count >= first.count + last.count,
            bytes.starts(with: first),
            bytes[(bytes.count - last.count)...].elementsEqual(last)
        else { return false }
        // Middle pieces in order, each as early as it fits: the greedy choice never loses.
        var position = first.count
        let end = bytes.count - last.count
        for piece in self.pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let found = Self.find(piece, in: bytes, from: position, to: end) else { return false }
            position = found + piece.count
        }
        return true
    }

    private static func find(_ piece: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        guard end - start >= piece.count else { return nil }
        var candidate = start
        while candidate + piece.count <= end {
            if bytes[candidate..<(candidate + piece.count)].elementsEqual(piece) { return candidate }
            candidate += 1
        }
        return nil
    }
}
