/// An event's properties while a transform works on them: the members in the order the source
/// wrote them, each name and value kept as a range of the original text until something needs
/// more.
///
/// Dropping, keeping and renaming move byte ranges and compare names as bytes, so no `String`
/// is built per property; only `set` values and the conditions of `where` steps decode values.
/// Writing back copies untouched keys and values as they were, so what the destination receives
/// is the source's text minus what the transform removed.
struct TransformedProperties {
    /// A member's value: a range of `source`, or a value a `set` step gave.
    enum Value {
        case text(Range<Int>)
        case value(JSONValue)
    }

    struct Member {
        /// The name's bytes in `source` (between the key's quotes), when they are the name as is.
        var nameRange: Range<Int>?
        /// The name's bytes, when it had escapes, was renamed or was set.
        var ownName: [UInt8]
        /// The key's original text (quotes included), while the name is unchanged.
        var keyText: Range<Int>?
        var value: Value
    }

    let source: [UInt8]
    private(set) var members: [Member]

    /// Reads the members of a JSON object text.
    init(_ source: [UInt8]) throws(JSONParseError) {
        self.source = source
        let parsed = source.withUnsafeBytes { bytes in
            Result { () throws(JSONParseError) in try JSONParser.objectMemberRanges(bytes, maxDepth: 1024) }
        }
        self.members = try parsed.get().map { member in
            Member(
                nameRange: member.decodedName == nil ? (member.key.lowerBound + 1)..<(member.key.upperBound - 1) : nil,
                ownName: member.decodedName ?? [],
                keyText: member.key,
                value: .text(member.value)
            )
        }
    }

    /// Calls `body` with the member's name bytes.
    private func withName<Result>(_ member: Member, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let range = member.nameRange {
            return self.source.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
        }
        return member.ownName.withUnsafeBufferPointer(body)
    }

    /// The index of the member named exactly `name` (compared by bytes).
    private func index(of name: [UInt8]) -> Int? {
        self.members.firstIndex { member in self.withName(member) { $0.elementsEqual(name) } }
    }

    /// The value of the property named exactly `name` (compared by bytes), decoded.
    func value(of name: String) -> JSONValue? {
        guard let index = self.index(of: Array(name.utf8)) else { return nil }
        switch self.members[index].value {
        case .value(let value):
            return value
        case .text(let range):
            // The range was checked as one complete JSON value when the members were read.
            return try? JSONParser.parse(self.source[range], maxDepth: 1024)
        }
    }

    /// A copy with `edit` applied.
    func editing(_ edit: (inout TransformedProperties) -> Void) -> TransformedProperties {
        var copy = self
        edit(&copy)
        return copy
    }

    mutating func drop(_ patterns: [PropertyPattern]) {
        self.members = self.members.filter { member in
            !self.withName(member) { name in patterns.contains { $0.matches(bytes: name) } }
        }
    }

    mutating func keep(_ patterns: [PropertyPattern]) {
        self.members = self.members.filter { member in
            self.withName(member) { name in patterns.contains { $0.matches(bytes: name) } }
        }
    }

    mutating func rename(_ renames: [String: String]) {
        let pairs = renames.map { (old: Array($0.key.utf8), new: Array($0.value.utf8)) }
        var renamed: [Bool] = Array(repeating: false, count: self.members.count)
        var newNames: [[UInt8]] = []
        for index in self.members.indices {
            let member = self.members[index]
            guard let pair = self.withName(member, { name in pairs.first { name.elementsEqual($0.old) } }) else { continue }
            self.members[index].nameRange = nil
            self.members[index].ownName = pair.new
            self.members[index].keyText = nil
            renamed[index] = true
            newNames.append(pair.new)
        }
        guard !newNames.isEmpty else { return }
        // A renamed property replaces one that already had its new name and was not renamed.
        self.members = self.members.indices.compactMap { index in
            let member = self.members[index]
            if renamed[index] { return member }
            let replaced = self.withName(member) { name in newNames.contains { name.elementsEqual($0) } }
            return replaced ? nil : member
        }
    }

    mutating func set(_ values: [String: JSONValue]) {
        for (name, value) in values.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            let bytes = Array(name.utf8)
            if let index = self.index(of: bytes) {
                self.members[index].value = .value(value)
            } else {
                self.members.append(Member(nameRange: nil, ownName: bytes, keyText: nil, value: .value(value)))
            }
        }
    }

    /// The properties as compact JSON object text.
    func serialized() -> [UInt8] {
        var writer = JSONWriter(capacity: self.source.count + 64)
        writer.raw("{")
        for (position, member) in self.members.enumerated() {
            if position > 0 { writer.raw(",") }
            if let keyText = member.keyText {
                writer.rawJSON(self.source[keyText])
                writer.raw(":")
            } else {
                writer.key(String(decoding: member.ownName, as: UTF8.self))
            }
            switch member.value {
            case .text(let range): writer.rawJSON(self.source[range])
            case .value(let value): writer.write(value)
            }
        }
        writer.raw("}")
        return writer.bytes
    }
}
