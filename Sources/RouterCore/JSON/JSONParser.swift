/// A strict RFC 8259 JSON parser that keeps numbers as text and refuses deep nesting.
///
/// It exists so that ingest can give precise errors for hostile bodies (invalid UTF-8, nesting
/// past a limit, duplicate keys) without ever crashing or recursing without bound.
public struct JSONParser {
    /// The deepest nesting of arrays and objects accepted by default.
    public static let defaultMaxDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private let maxDepth: Int
    private var index = 0
    /// The member name whose values' byte ranges are captured (see `parseCapturing`).
    private var captureKey: String?
    /// Index of the element being parsed in the root's `batch` array, or -1.
    private var topLevelElement = -1
    /// True while the value of the root's `batch` member is being parsed.
    private var inBatch = false
    private var captures: [Int: Range<Int>] = [:]
    /// When true, captured object values are validated but not built (they read as `[:]`).
    private var skipCaptured = false
    /// Set when `skipWhitespace` moves: tells whether a captured value's text is already compact.
    private var whitespaceSkipped = false
    /// Captures whose text holds insignificant white space.
    private var spacedCaptures: Set<Int> = []

    /// False when `skipValue` need not look for a key twice in one object (see `validate`).
    private var checksDuplicateKeys = true

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Parses one JSON document that fills all of `bytes` (surrounding white space allowed).
    ///
    /// - Throws: `JSONParseError` with the byte offset and a reason.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = Self.defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Self.parse(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth)
        }
        if let result { return try result.get() }
        return try Array(bytes).withUnsafeBytes { Self.parse($0, maxDepth: maxDepth) }.get()
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) -> Result<JSONValue, JSONParseError> {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        return parser.parseDocument()
    }

    private mutating func parseDocument() -> Result<JSONValue, JSONParseError> {
        do throws(JSONParseError) {
            self.skipWhitespace()
            let value = try self.parseValue(depth: 0)
            self.skipWhitespace()
            guard self.index == self.bytes.count else {
                throw self.error(.syntax, "unexpected content after the JSON value")
            }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    /// Parses like `parse`, and also returns the byte ranges of the values of the member named
    /// `key` of the root object (under index -1) and of each object that is a direct element of
    /// the root's `batch` array (under the element's index); nowhere else. Ingest uses it to keep each event's
    /// `properties` exactly as sent, without encoding them again.
    ///
    /// With `validateOnly`, captured values that are objects are checked completely (syntax,
    /// UTF-8, depth, duplicate keys) but not built: they appear as empty objects in the result,
    /// and the caller keeps their text instead.
    public static func parseCapturing(
        _ bytes: UnsafeRawBufferPointer,
        key: String,
        validateOnly: Bool = false,
        maxDepth: Int = Self.defaultMaxDepth
    ) -> Result<(JSONValue, [Int: Range<Int>]), JSONParseError> {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.captureKey = key
        parser.skipCaptured = validateOnly
        return parser.parseDocument().map { ($0, parser.captures) }
    }

    /// Like `parseCapturing` with `validateOnly`, returning each captured value's text without
    /// insignificant white space: copied as it is when the parser skipped none inside it (the
    /// usual compact body), else through `minify`.
    static func parseCapturingText(
        _ bytes: UnsafeRawBufferPointer,
        key: String,
        maxDepth: Int = Self.defaultMaxDepth
    ) -> Result<(JSONValue, [Int: [UInt8]]), JSONParseError> {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.captureKey = key
        parser.skipCaptured = true
        return parser.parseDocument().map { document in
            var texts: [Int: [UInt8]] = [:]
            for (index, range) in parser.captures {
                let text = UnsafeRawBufferPointer(rebasing: bytes[range])
                texts[index] = parser.spacedCaptures.contains(index) ? Self.minify(text) : Array(text)
            }
            return (document, texts)
        }
    }

    /// The members of a JSON object text in the order they are written: each name decoded, the
    /// byte range of the key's text (quotes included) and of its value's text (checked
    /// completely, not built).
    ///
    /// - Throws: `JSONParseError` when `bytes` is not one valid JSON object.
    public static func objectMembers(
        _ bytes: UnsafeRawBufferPointer,
        maxDepth: Int = Self.defaultMaxDepth
    ) throws(JSONParseError) -> [(name: String, key: Range<Int>, value: Range<Int>)] {
        try Self.objectMemberRanges(bytes, maxDepth: maxDepth).map { member in
            let name = member.decodedName ?? Array(bytes[(member.key.lowerBound + 1)..<(member.key.upperBound - 1)])
            return (String(decoding: name, as: UTF8.self), member.key, member.value)
        }
    }

    /// Checks that `bytes` is one valid JSON document (syntax, UTF-8, depth, and unless
    /// `duplicateKeys` is false, no key twice in one object) without building it: nil when it
    /// is, else the first problem.
    ///
    /// Text this process wrote after a full check (stored properties) is read back without the
    /// key check, half the cost of a check: damage on disk shows as broken syntax, UTF-8 or
    /// nesting all but always; the rare damage that turns one key into a copy of another leaves
    /// valid JSON with a key twice, which goes out as it is (most parsers keep the last).
    public static func validate(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = Self.defaultMaxDepth, duplicateKeys: Bool = true) -> JSONParseError? {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.checksDuplicateKeys = duplicateKeys
        do throws(JSONParseError) {
            parser.skipWhitespace()
            try parser.skipValue(depth: 0)
            parser.skipWhitespace()
            guard parser.index == bytes.count else { throw parser.error(.syntax, "unexpected content after the JSON value") }
            return nil
        } catch {
            return error
        }
    }

    /// Like `objectMembers`, without building a `String` per name: a name without escapes is
    /// the key's bytes between its quotes (`decodedName` is nil); one with escapes comes decoded.
    /// Transforms use it to drop, rename and reorder properties without decoding the values.
    static func objectMemberRanges(
        _ bytes: UnsafeRawBufferPointer,
        maxDepth: Int = Self.defaultMaxDepth
    ) throws(JSONParseError) -> [(key: Range<Int>, decodedName: [UInt8]?, value: Range<Int>)] {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        return try parser.parseMembers()
    }

    private mutating func parseMembers() throws(JSONParseError) -> [(key: Range<Int>, decodedName: [UInt8]?, value: Range<Int>)] {
        self.skipWhitespace()
        guard self.current == UInt8(ascii: "{") else { throw self.error(.syntax, "expected an object") }
        self.index += 1
        var members: [(key: Range<Int>, decodedName: [UInt8]?, value: Range<Int>)] = []
        var keys = JSONKeySet()
        self.skipWhitespace()
        if self.current == UInt8(ascii: "}") {
            self.index += 1
        } else {
            while true {
                self.skipWhitespace()
                guard self.current == UInt8(ascii: "\"") else { throw self.error(.syntax, "expected a string key") }
                let keyOffset = self.index
                let key = try self.skipString()
                guard keys.insert(key) else {
                    throw JSONParseError(code: .duplicateKey, offset: keyOffset, message: "a key appears twice in one object")
                }
                let keyText = keyOffset..<self.index
                let decodedName: [UInt8]? = key.raw == nil ? key.owned : nil
                self.skipWhitespace()
                guard self.current == UInt8(ascii: ":") else { throw self.error(.syntax, "expected ':' after a key") }
                self.index += 1
                self.skipWhitespace()
                let start = self.index
                try self.skipValue(depth: 1)
                members.append((keyText, decodedName, start..<self.index))
                self.skipWhitespace()
                switch self.current {
                case UInt8(ascii: ","): self.index += 1; continue
                case UInt8(ascii: "}"): self.index += 1
                case nil: throw self.error(.syntax, "unexpected end of input in an object")
                default: throw self.error(.syntax, "expected ',' or '}' in an object")
                }
                break
            }
        }
        self.skipWhitespace()
        guard self.index == self.bytes.count else { throw self.error(.syntax, "unexpected content after the JSON value") }
        return members
    }

    /// Copies a JSON text without insignificant white space (one line, same tokens).
    public static func minify(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                output.append(byte)
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case 0x20, 0x09, 0x0a, 0x0d: continue
            case UInt8(ascii: "\""): inString = true
            default: break
            }
            output.append(byte)
        }
        return output
    }

    private func error(_ code: JSONParseError.Code, _ message: String) -> JSONParseError {
        JSONParseError(code: code, offset: self.index, message: message)
    }

    private var current: UInt8? {
        self.index < self.bytes.count ? self.bytes[self.index] : nil
    }

    private mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x09, 0x0a, 0x0d:
                self.index += 1
                self.whitespaceSkipped = true
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard let byte = self.current else { throw self.error(.syntax, "unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try self.parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try self.parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"): try self.expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try self.expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try self.expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try self.parseNumber())
        default:
            throw self.error(.syntax, "unexpected character \(Self.describe(byte))")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { throw self.error(.syntax, "unexpected end of input") }
        for offset in 0..<count where self.bytes[self.index + offset] != literal.utf8Start[offset] {
            throw self.error(.syntax, "invalid literal; expected \(literal)")
        }
        self.index += count
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= self.maxDepth else {
            throw self.error(.tooDeep, "nesting is deeper than \(self.maxDepth) levels")
        }
        self.index += 1
        var members: [String: JSONValue] = [:]
        var equivalentKeys: Set<[UInt8]> = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.current == UInt8(ascii: "\"") else { throw self.error(.syntax, "expected a string key") }
            let keyOffset = self.index
            let key = try self.parseString()
            self.skipWhitespace()
            guard self.current == UInt8(ascii: ":") else { throw self.error(.syntax, "expected ':' after a key") }
            self.index += 1
            self.skipWhitespace()
            let valueStart = self.index
            let value: JSONValue
            if self.captureKey != nil, depth == 1, key == "batch", self.current == UInt8(ascii: "[") {
                self.inBatch = true
                value = try self.parseValue(depth: depth)
                self.inBatch = false
            } else if let captureKey = self.captureKey, key == captureKey, depth == 1 || (depth == 3 && self.inBatch) {
                self.whitespaceSkipped = false
                if self.skipCaptured, self.current == UInt8(ascii: "{") {
                    try self.skipValue(depth: depth)
                    value = .object([:])
                } else {
                    value = try self.parseValue(depth: depth)
                }
                let capture = depth == 1 ? -1 : self.topLevelElement
                self.captures[capture] = valueStart..<self.index
                if self.whitespaceSkipped { self.spacedCaptures.insert(capture) }
            } else {
                value = try self.parseValue(depth: depth)
            }
            try Self.insert(value, forKey: key, into: &members, equivalents: &equivalentKeys, keyOffset: keyOffset)
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"): self.index += 1; return .object(members)
            case nil: throw self.error(.syntax, "unexpected end of input in an object")
            default: throw self.error(.syntax, "expected ',' or '}' in an object")
            }
        }
    }

    /// Adds a member, refusing a key whose bytes appeared before in the same object: the rule
    /// ingest's validate-only path (`JSONKeySet`) applies too.
    ///
    /// A `String` key compares by canonical equivalence, so `"é"` (U+00E9) and `"e\u{301}"` are one
    /// dictionary key although they are two JSON keys. Such keys are accepted (their bytes
    /// differ) and the dictionary keeps the first; `equivalents` holds the bytes of the later
    /// ones, so a repeat of any of them is still refused. The text of the object keeps them all.
    private static func insert(
        _ value: JSONValue,
        forKey key: String,
        into members: inout [String: JSONValue],
        equivalents: inout Set<[UInt8]>,
        keyOffset: Int
    ) throws(JSONParseError) {
        guard let existing = members.index(forKey: key) else {
            members[key] = value
            return
        }
        if members[existing].key.utf8.elementsEqual(key.utf8) || !equivalents.insert(Array(key.utf8)).inserted {
            throw JSONParseError(code: .duplicateKey, offset: keyOffset, message: "the key \"\(key)\" appears twice in one object")
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= self.maxDepth else {
            throw self.error(.tooDeep, "nesting is deeper than \(self.maxDepth) levels")
        }
        self.index += 1
        var elements: [JSONValue] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "]") {
            self.index += 1
            return .array(elements)
        }
        while true {
            self.skipWhitespace()
            if depth == 2, self.inBatch { self.topLevelElement = elements.count }
            elements.append(try self.parseValue(depth: depth))
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"): self.index += 1; return .array(elements)
            case nil: throw self.error(.syntax, "unexpected end of input in an array")
            default: throw self.error(.syntax, "expected ',' or ']' in an array")
            }
        }
    }

    /// Checks one value completely without building it.
    private mutating func skipValue(depth: Int) throws(JSONParseError) {
        guard let byte = self.current else { throw self.error(.syntax, "unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"):
            guard depth + 1 <= self.maxDepth else { throw self.error(.tooDeep, "nesting is deeper than \(self.maxDepth) levels") }
            self.index += 1
            var keys = JSONKeySet()
            self.skipWhitespace()
            if self.current == UInt8(ascii: "}") {
                self.index += 1
                return
            }
            while true {
                self.skipWhitespace()
                guard self.current == UInt8(ascii: "\"") else { throw self.error(.syntax, "expected a string key") }
                let keyOffset = self.index
                let key = try self.skipString()
                guard !self.checksDuplicateKeys || keys.insert(key) else {
                    let name = String(decoding: key.bytes, as: UTF8.self)
                    throw JSONParseError(code: .duplicateKey, offset: keyOffset, message: "the key \"\(name)\" appears twice in one object")
                }
                self.skipWhitespace()
                guard self.current == UInt8(ascii: ":") else { throw self.error(.syntax, "expected ':' after a key") }
                self.index += 1
                self.skipWhitespace()
                try self.skipValue(depth: depth + 1)
                self.skipWhitespace()
                switch self.current {
                case UInt8(ascii: ","): self.index += 1
                case UInt8(ascii: "}"): self.index += 1; return
                case nil: throw self.error(.syntax, "unexpected end of input in an object")
                default: throw self.error(.syntax, "expected ',' or '}' in an object")
                }
            }
        case UInt8(ascii: "["):
            guard depth + 1 <= self.maxDepth else { throw self.error(.tooDeep, "nesting is deeper than \(self.maxDepth) levels") }
            self.index += 1
            self.skipWhitespace()
            if self.current == UInt8(ascii: "]") {
                self.index += 1
                return
            }
            while true {
                self.skipWhitespace()
                try self.skipValue(depth: depth + 1)
                self.skipWhitespace()
                switch self.current {
                case UInt8(ascii: ","): self.index += 1
                case UInt8(ascii: "]"): self.index += 1; return
                case nil: throw self.error(.syntax, "unexpected end of input in an array")
                default: throw self.error(.syntax, "expected ',' or ']' in an array")
                }
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try self.scanNumber()
        case UInt8(ascii: "\""):
            _ = try self.skipString()
        default:
            _ = try self.parseValue(depth: depth)
        }
    }

    /// Checks a string (escapes, control characters, UTF-8) without building it.
    private mutating func skipString() throws(JSONParseError) -> JSONKeySet.Key {
        self.index += 1
        let start = self.index
        var ascii = true
        while self.index < self.bytes.count {
            // Eight plain bytes at a time: the sample's properties are mostly such runs.
            while self.index + 8 <= self.bytes.count,
                !Self.hasSpecialStringByte(self.bytes.loadUnaligned(fromByteOffset: self.index, as: UInt64.self)) {
                self.index += 8
            }
            guard self.index < self.bytes.count else { break }
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index])
                if !ascii, String(validating: content, as: UTF8.self) == nil {
                    throw JSONParseError(code: .invalidUTF8, offset: start, message: "a string is not valid UTF-8")
                }
                self.index += 1
                return JSONKeySet.Key(raw: content, owned: [])
            }
            if byte == UInt8(ascii: "\\") {
                // Rare in practice: decode this string fully, which also checks its escapes.
                self.index = start - 1
                return JSONKeySet.Key(raw: nil, owned: Array(try self.parseString().utf8))
            }
            if byte < 0x20 { throw self.error(.syntax, "unescaped control character in a string") }
            if byte >= 0x80 { ascii = false }
            self.index += 1
        }
        throw self.error(.syntax, "unterminated string")
    }

    /// True when one of the eight bytes in `word` ends a plain run inside a string: a quote, a
    /// backslash, a control character or a byte of a multi-byte UTF-8 sequence. (Each test is
    /// exact about whether any byte matches, though not about which one.)
    private static func hasSpecialStringByte(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let quoteByte = (quote &- ones) & ~quote
        let backslashByte = (backslash &- ones) & ~backslash
        let controlByte = (word &- ones &* 0x20) & ~word
        return (quoteByte | backslashByte | controlByte | word) & highs != 0
    }

    /// Checks number syntax and moves past it.
    private mutating func scanNumber() throws(JSONParseError) {
        if self.current == UInt8(ascii: "-") { self.index += 1 }
        guard let first = self.current, Self.isDigit(first) else { throw self.error(.syntax, "invalid number") }
        if first == UInt8(ascii: "0") {
            self.index += 1
        } else {
            self.skipDigits()
        }
        if self.current == UInt8(ascii: ".") {
            self.index += 1
            guard let digit = self.current, Self.isDigit(digit) else { throw self.error(.syntax, "invalid number: digit expected after '.'") }
            self.skipDigits()
        }
        if self.current == UInt8(ascii: "e") || self.current == UInt8(ascii: "E") {
            self.index += 1
            if self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.index += 1 }
            guard let digit = self.current, Self.isDigit(digit) else { throw self.error(.syntax, "invalid number: digit expected in exponent") }
            self.skipDigits()
        }
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = self.index
        try self.scanNumber()
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
        return JSONNumber(validatedText: text)
    }

    private mutating func skipDigits() {
        while let byte = self.current, Self.isDigit(byte) { self.index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        self.index += 1
        let start = self.index
        // Fast path: no escapes, so the bytes between the quotes are the string.
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index])
                guard let string = String(validating: slice, as: UTF8.self) else {
                    throw JSONParseError(code: .invalidUTF8, offset: start, message: "a string is not valid UTF-8")
                }
                self.index += 1
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw self.error(.syntax, "unescaped control character in a string") }
            self.index += 1
        }
        var output: [UInt8] = Array(UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index]))
        while true {
            guard self.index < self.bytes.count else { throw self.error(.syntax, "unterminated string") }
            let byte = self.bytes[self.index]
            switch byte {
            case UInt8(ascii: "\""):
                self.index += 1
                guard let string = String(validating: output, as: UTF8.self) else {
                    throw JSONParseError(code: .invalidUTF8, offset: start, message: "a string is not valid UTF-8")
                }
                return string
            case UInt8(ascii: "\\"):
                self.index += 1
                try self.parseEscape(into: &output)
            case 0..<0x20:
                throw self.error(.syntax, "unescaped control character in a string")
            default:
                output.append(byte)
                self.index += 1
            }
        }
    }

    private mutating func parseEscape(into output: inout [UInt8]) throws(JSONParseError) {
        guard let byte = self.current else { throw self.error(.syntax, "unterminated escape") }
        self.index += 1
        switch byte {
        case UInt8(ascii: "\""): output.append(0x22)
        case UInt8(ascii: "\\"): output.append(0x5c)
        case UInt8(ascii: "/"): output.append(0x2f)
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0c)
        case UInt8(ascii: "n"): output.append(0x0a)
        case UInt8(ascii: "r"): output.append(0x0d)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try self.parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard self.current == UInt8(ascii: "\\"), self.index + 1 < self.bytes.count,
                    self.bytes[self.index + 1] == UInt8(ascii: "u")
                else { throw self.error(.invalidUTF8, "unpaired UTF-16 surrogate in a \\u escape") }
                self.index += 2
                let low = try self.parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw self.error(.invalidUTF8, "unpaired UTF-16 surrogate in a \\u escape")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw self.error(.invalidUTF8, "unpaired UTF-16 surrogate in a \\u escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw self.error(.invalidUTF8, "invalid \\u escape") }
            output.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            throw self.error(.syntax, "invalid escape \\\(Self.describe(byte))")
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard self.index + 4 <= self.bytes.count else { throw self.error(.syntax, "truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw self.error(.syntax, "invalid hex digit in a \\u escape")
            }
            value = value << 4 | digit
            self.index += 1
        }
        return value
    }

    private static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7f {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        return "0x" + String(byte, radix: 16, uppercase: true)
    }
}

/// Why a body is not acceptable JSON, and where.
public struct JSONParseError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A closed set of reasons.
    public enum Code: String, Sendable {
        case syntax = "malformed_json"
        case invalidUTF8 = "invalid_utf8"
        case tooDeep = "too_deep"
        case duplicateKey = "duplicate_key"
    }

    /// The reason.
    public let code: Code
    /// The byte offset in the input where the problem was found.
    public let offset: Int
    /// A sentence for humans.
    public let message: String

    public var description: String { "\(self.message) (at byte \(self.offset))" }
}
