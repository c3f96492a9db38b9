/// An event's properties while a transform works on them: the members in the order the source
/// wrote them, each value kept as its original text until something needs it decoded.
///
/// Dropping, keeping and renaming move byte ranges; only `set` values and the conditions of
/// `where` steps ever build a `JSONValue`. Writing back copies untouched keys and values as they
/// were, so what the destination receives is the source's text minus what the transform removed.
struct TransformedProperties {
    /// A member's value: a range of `source`, or a value a `set` step gave.
    enum Value {
        case text(Range<Int>)
        case value(JSONValue)
    }

    struct Member {
        var name: String
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
            Result { () throws(JSONParseError) in try JSONParser.objectMembers(bytes, maxDepth: 1024) }
        }
        self.members = try parsed.get().map { Member(name: $0.name, keyText: $0.key, value: .text($0.value)) }
    }

    /// The value of the property named exactly `name` (compared by bytes), decoded.
    func value(of name: String) -> JSONValue? {
        guard let member = self.members.first(where: { $0.name.utf8.elementsEqual(name.utf8) }) else { return nil }
        switch member.value {
        case .value(let value):
            return value
        case .text(let range):
            // The range was checked as one complete JSON value when the members were read.
            return try? JSONParser.parse(self.source[range], maxDepth: 1024)
        }
    }

    mutating func drop(_ patterns: [PropertyPattern]) {
        self.members.removeAll { member in patterns.contains { $0.matches(member.name) } }
    }

    mutating func keep(_ patterns: [PropertyPattern]) {
        self.members.removeAll { member in !patterns.contains { $0.matches(member.name) } }
    }

    mutating func rename(_ renames: [String: String]) {
        let byBytes = Dictionary(renames.map { (Array($0.key.utf8), $0.value) }, uniquingKeysWith: { first, _ in first })
        var renamed: [Bool] = Array(repeating: false, count: self.members.count)
        var newNames: Set<[UInt8]> = []
        for index in self.members.indices {
            guard let newName = byBytes[Array(self.members[index].name.utf8)] else { continue }
            self.members[index].name = newName
            self.members[index].keyText = nil
            renamed[index] = true
            newNames.insert(Array(newName.utf8))
        }
        guard !newNames.isEmpty else { return }
        // A renamed property replaces one that already had its new name and was not renamed.
        self.members = self.members.indices.compactMap { index in
            renamed[index] || !newNames.contains(Array(self.members[index].name.utf8)) ? self.members[index] : nil
        }
    }

    mutating func set(_ values: [String: JSONValue]) {
        for (name, value) in values.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            if let index = self.members.firstIndex(where: { $0.name.utf8.elementsEqual(name.utf8) }) {
                self.members[index].value = .value(value)
            } else {
                self.members.append(Member(name: name, keyText: nil, value: .value(value)))
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
                writer.key(member.name)
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
