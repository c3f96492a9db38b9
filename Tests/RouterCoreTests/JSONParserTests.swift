@testable import RouterCore
import Testing

struct JSONParserTests {
    private func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try self.parse(#" {"a": [1, -2.5e3, true, false, null, "x\n\u00e9\ud83d\ude00"], "b": {}} "#)
        #expect(value == ["a": [1, .number(JSONNumber(-2500)!), true, false, nil, "x\né😀"], "b": [:]])
    }

    @Test func validateChecksDuplicateKeysUnlessToldNotTo() {
        func check(_ text: String, duplicateKeys: Bool) -> JSONParseError.Code? {
            Array(text.utf8).withUnsafeBytes { JSONParser.validate($0, duplicateKeys: duplicateKeys)?.code }
        }
        let twice = #"{"a":1,"b":{"c":2,"c":3}}"#
        #expect(check(twice, duplicateKeys: true) == .duplicateKey)
        #expect(check(twice, duplicateKeys: false) == nil)
        // Without the key check, everything else is still checked.
        #expect(check(#"{"a":1,"b":{"c":2,"c":}}"#, duplicateKeys: false) == .syntax)
        #expect(check(#"{"field.cancel.email":"#, duplicateKeys: false) == .syntax)
        #expect(check("{\"a\":\"\u{1}\"}", duplicateKeys: false) != nil)
        #expect(check(#"{"a":[1,2]} x"#, duplicateKeys: false) == .syntax)
        // A stored row is read without the key check: damage is still found.
        #expect(StoredEvent.problem(withProperties: Array(twice.utf8)) == nil)
        #expect(StoredEvent.problem(withProperties: Array(#"{"a":"#.utf8)) != nil)
    }

    @Test func numbersKeepTheirLiteralText() throws {
        let value = try self.parse(#"[12345678901234567890123, 0.10, 1E+2]"#)
        let texts = value.arrayValue?.compactMap { element -> String? in
            if case .number(let number) = element { return number.text }
            return nil
        }
        #expect(texts == ["12345678901234567890123", "0.10", "1E+2"])
        #expect(JSONWriter.serialize(value) == Array("[12345678901234567890123,0.10,1E+2]".utf8))
    }

    @Test(arguments: [
        ("", JSONParseError.Code.syntax), ("{", .syntax), ("{\"a\" 1}", .syntax), ("[1,]", .syntax), ("01", .syntax),
        ("1.", .syntax), ("tru", .syntax), ("\"\u{01}\"", .syntax), ("{} {}", .syntax), ("\"\\x\"", .syntax),
        ("\"\\ud800\"", .invalidUTF8), ("{\"a\":1,\"a\":2}", .duplicateKey),
    ])
    func rejectsMalformedInput(_ text: String, _ code: JSONParseError.Code) {
        do {
            _ = try self.parse(text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.code == code)
        }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        do {
            _ = try JSONParser.parse([0x22, 0xff, 0xfe, 0x22])
            Issue.record("invalid UTF-8 was accepted")
        } catch {
            #expect(error.code == .invalidUTF8)
        }
    }

    @Test func refusesNestingDeeperThanTheLimit() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError.self) { try self.parse(deep) }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try self.parse(ok)
        // Far deeper input fails fast instead of overflowing the stack.
        let hostile = String(repeating: "{\"a\":", count: 100_000)
        do {
            _ = try self.parse(hostile)
        } catch {
            #expect(error.code == .tooDeep)
        }
    }

    @Test func writerEscapesAndSortsKeys() throws {
        let value: JSONValue = ["b": "quote\" slash\\ tab\t ctl\u{01}", "a": 1]
        let text = String(decoding: JSONWriter.serialize(value), as: UTF8.self)
        #expect(text == #"{"a":1,"b":"quote\" slash\\ tab\t ctl\u0001"}"#)
        #expect(try self.parse(text) == value)
    }
}

struct JSONParserCaptureTests {
    @Test func capturesThePropertiesOfASingleEventAndOfEachBatchItem() throws {
        let single = Array(#"{"event": "save", "properties": {"b": 1, "a": [true]}}"#.utf8)
        let (_, ranges) = try single.withUnsafeBytes { try JSONParser.parseCapturing($0, key: "properties").get() }
        let range = try #require(ranges[-1])
        #expect(String(decoding: single[range], as: UTF8.self) == #"{"b": 1, "a": [true]}"#)

        let batch = Array(#"{"batch": [{"event": "a", "properties": {"x": 1}}, {"event": "b"}, {"event": "c", "properties": {"y": "}"}}]}"#.utf8)
        let (_, batchRanges) = try batch.withUnsafeBytes { try JSONParser.parseCapturing($0, key: "properties").get() }
        #expect(batchRanges.keys.sorted() == [0, 2])
        #expect(batchRanges[2].map { String(decoding: batch[$0], as: UTF8.self) } == #"{"y": "}"}"#)
    }

    @Test func onlyTheEventsOwnPropertiesAreCaptured() throws {
        let single = Array(#"{"event":"save","properties":{"a":1},"context":{"page":{"properties":"x"}}}"#.utf8)
        let (_, ranges) = try single.withUnsafeBytes { try JSONParser.parseCapturing($0, key: "properties").get() }
        #expect(ranges.count == 1)
        #expect(ranges[-1].map { String(decoding: single[$0], as: UTF8.self) } == #"{"a":1}"#)
        let batch = Array(#"{"batch":[{"event":"a","properties":{"x":1}}],"context":{"k":{"properties":{"y":2}}},"extra":[{"properties":{"z":3}}]}"#.utf8)
        let (_, batchRanges) = try batch.withUnsafeBytes { try JSONParser.parseCapturing($0, key: "properties").get() }
        #expect(batchRanges.count == 1)
        #expect(batchRanges[0].map { String(decoding: batch[$0], as: UTF8.self) } == #"{"x":1}"#)
    }

    @Test func minifyRemovesOnlyInsignificantWhiteSpace() {
        let text = "{ \"a b\" : [ 1 ,\n\t2 ], \"c\\\" d\": \"x  y\" }"
        let minified = Array(text.utf8).withUnsafeBytes { JSONParser.minify($0) }
        #expect(String(decoding: minified, as: UTF8.self) == #"{"a b":[1,2],"c\" d":"x  y"}"#)
    }
}

/// The string scan reads eight bytes at a time: whatever ends a plain run must be found at every
/// position, across the word boundaries.
struct JSONStringScanTests {
    static func validate(_ body: [UInt8]) -> Result<Void, JSONParseError> {
        body.withUnsafeBytes { JSONParser.parseCapturing($0, key: "properties", validateOnly: true) }.map { _ in () }
    }

    static func body(value: [UInt8]) -> [UInt8] {
        Array(#"{"event":"save","properties":{"k":""#.utf8) + value + Array(#""}}"#.utf8)
    }

    @Test(arguments: 0..<24)
    func everyKindOfSpecialByteIsSeenAtEveryOffset(offset: Int) throws {
        let before = [UInt8](repeating: UInt8(ascii: "a"), count: offset)
        let after = [UInt8](repeating: UInt8(ascii: "b"), count: 11)
        // An escape, a quoted quote and multi-byte UTF-8 are fine.
        for fine in [Array(#"\n"#.utf8), Array(#"\""#.utf8), Array("é".utf8), Array("😀".utf8)] {
            let result = Self.validate(Self.body(value: before + fine + after))
            #expect((try? result.get()) != nil, "\(fine) at \(offset)")
        }
        // A raw control character and a broken UTF-8 byte are refused.
        guard case .failure(let control) = Self.validate(Self.body(value: before + [0x01] + after)) else {
            Issue.record("a control character at \(offset) was accepted")
            return
        }
        #expect(control.code == .syntax)
        guard case .failure(let broken) = Self.validate(Self.body(value: before + [0xFF] + after)) else {
            Issue.record("a broken UTF-8 byte at \(offset) was accepted")
            return
        }
        #expect(broken.code == .invalidUTF8)
        // An unescaped quote ends the string there: what follows is not JSON.
        #expect((try? Self.validate(Self.body(value: before + [UInt8(ascii: "\"")] + after)).get()) == nil)
    }

    @Test(arguments: 0..<24)
    func aRepeatedKeyOfEveryLengthIsFound(length: Int) {
        let key = String(repeating: "k", count: length)
        let body = Array(#"{"event":"save","properties":{"\#(key)":1,"x":2,"\#(key)":3}}"#.utf8)
        guard case .failure(let error) = Self.validate(body) else {
            Issue.record("a repeated key of length \(length) was accepted")
            return
        }
        #expect(error.code == .duplicateKey)
    }

    @Test func capturedTextIsCopiedWhenCompactAndMinifiedWhenSpaced() throws {
        let compact = Array(#"{"event":"save","properties":{"a b":"x  y","n":[1,2]}}"#.utf8)
        let (_, texts) = try compact.withUnsafeBytes { try JSONParser.parseCapturingText($0, key: "properties").get() }
        #expect(texts[-1].map { String(decoding: $0, as: UTF8.self) } == #"{"a b":"x  y","n":[1,2]}"#)
        let spaced = Array(#"{"batch":[{"event":"save","properties":{"a":1}},{"event":"save","properties": { "a b" : "x  y" , "n" : [ 1, 2 ] }}]}"#.utf8)
        let (_, batchTexts) = try spaced.withUnsafeBytes { try JSONParser.parseCapturingText($0, key: "properties").get() }
        #expect(batchTexts[0].map { String(decoding: $0, as: UTF8.self) } == #"{"a":1}"#)
        #expect(batchTexts[1].map { String(decoding: $0, as: UTF8.self) } == #"{"a b":"x  y","n":[1,2]}"#)
    }

    /// Found by scripts/fuzz-json.sh (seed 1): a key canonically equivalent to an earlier one is
    /// not in the dictionary view, yet its value is checked completely; ingest's capturing path
    /// agrees.
    @Test(arguments: [
        (#"{"\u00c5":1,"A\u030a":"\udc00"}"#, JSONParseError.Code.invalidUTF8),
        (#"{"\u00c5":1,"A\u030a":"#, .syntax),
        (#"{"\u00c5":1,"A\u030a":"# + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}", .tooDeep),
    ])
    func theValueOfAnEquivalentKeyIsCheckedThoughTheDictionaryDropsIt(_ text: String, _ code: JSONParseError.Code) {
        do {
            _ = try JSONParser.parse(Array(text.utf8))
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.code == code)
        }
        let body = #"{"properties":"# + text + "}"
        let captured = Array(body.utf8).withUnsafeBytes { JSONParser.parseCapturingText($0, key: "properties") }
        guard case .failure(let error) = captured else {
            Issue.record("the capturing path accepted \(body)")
            return
        }
        #expect(error.code == code)
    }
}

