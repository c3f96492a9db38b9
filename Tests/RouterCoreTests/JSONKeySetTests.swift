@testable import RouterCore
import Testing

/// The duplicate-key check's set: every size and every path finds a repeated name, and only a
/// repeated name.
struct JSONKeySetTests {
    /// Inserts `names` (as raw body slices) and returns the index of the first refused one.
    static func firstRefused(_ names: [String], maxProbe: Int = 32) -> (refused: Int?, usedFallback: Bool) {
        let body = Array(names.joined().utf8)
        var set = JSONKeySet(maxProbe: maxProbe)
        return body.withUnsafeBytes { bytes in
            var offset = 0
            for (index, name) in names.enumerated() {
                let count = name.utf8.count
                let key = JSONKeySet.Key(raw: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]), owned: [])
                offset += count
                if !set.insert(key) { return (index, set.usesFallback) }
            }
            return (nil, set.usesFallback)
        }
    }

    @Test(arguments: [1, 2, 8, 9, 10, 33, 100, 1000])
    func aRepeatedNameIsFoundAtEverySize(count: Int) {
        let names = (0..<count).map { "field.cancel.account.custom_\($0)" }
        #expect(Self.firstRefused(names).refused == nil)
        #expect(Self.firstRefused(names + [names[0]]).refused == count)
        #expect(Self.firstRefused(names + [names[count - 1]]).refused == count)
        #expect(Self.firstRefused(names + [names[count / 2]]).refused == count)
    }

    @Test func namesThatShareAPrefixOrALengthAreDifferent() {
        let names = ["a", "ab", "abc", "abcdefgh", "abcdefghi", "abcdefgi", "bbcdefgh", "", "field.cancel.x", "field.cancel.y"]
        #expect(Self.firstRefused(names + names.map { $0 + "z" }).refused == nil)
        #expect(Self.firstRefused(names + [""]).refused == names.count)
    }

    @Test func collidingNamesMoveToTheFallbackAndStillFindRepeats() {
        let names = (0..<500).map { "k\($0)" }
        // With a probe limit of one slot, ordinary collisions already force the fallback.
        let clean = Self.firstRefused(names, maxProbe: 1)
        #expect(clean.refused == nil)
        #expect(clean.usedFallback)
        let repeated = Self.firstRefused(names + ["k7"], maxProbe: 1)
        #expect(repeated.refused == names.count)
    }

    @Test func anEscapedNameEqualsTheSameNameWritten() {
        let raw = Array("user_id".utf8)
        let (first, second) = raw.withUnsafeBytes { bytes in
            var set = JSONKeySet()
            return (set.insert(JSONKeySet.Key(raw: bytes, owned: [])), set.insert(JSONKeySet.Key(raw: nil, owned: raw)))
        }
        #expect(first)
        #expect(!second)
    }

    @Test func theParserRefusesARepeatedPropertyInAWideObject() throws {
        let members = (0..<200).map { #""p\#($0)":\#($0)"# } + [#""p150":0"#]
        let body = Array((#"{"id":"e1","type":"cancel","properties":{"# + members.joined(separator: ",") + "}}").utf8)
        let result = body.withUnsafeBytes { JSONParser.parseCapturing($0, key: "properties", validateOnly: true) }
        guard case .failure(let error) = result else {
            Issue.record("a repeated property was accepted")
            return
        }
        #expect(error.code == .duplicateKey)
        #expect(error.message.contains("p150"))
    }
}
