import Testing

@testable import RouterCore

/// The key of the maps that share settings blocks by their text.
struct WrittenJSONTests {
    @Test func blocksWrittenAlikeAreOneKeyAndOthersAreNot() throws {
        let parse = { (text: String) throws -> WrittenJSON in WrittenJSON(value: try JSONParser.parse(Array(text.utf8))) }
        let path = try parse(#"{"path": "out/t1/events.ndjson", "maxBytes": 1048576}"#)
        // The same text with its members in another order and other spacing.
        let same = try parse(#"{"maxBytes":1048576,"path":"out/t1/events.ndjson"}"#)
        let otherPath = try parse(#"{"path": "out/t2/events.ndjson", "maxBytes": 1048576}"#)
        // Equal values written differently stay apart (a value kept as JSON keeps its text).
        let otherNumber = try parse(#"{"path": "out/t1/events.ndjson", "maxBytes": 1048576.0}"#)
        #expect(path == same)
        #expect(path.hashValue == same.hashValue)
        #expect(path != otherPath)
        #expect(path != otherNumber)
        // In a map, as the loader uses them: thousands of distinct blocks, each found again.
        var keys: Set<WrittenJSON> = [path, same, otherPath, otherNumber]
        #expect(keys.count == 3)
        for index in 0..<5_000 {
            keys.insert(try parse(#"{"path": "out/t\#(index)/events.ndjson"}"#))
        }
        #expect(keys.count == 5_003)
        #expect(keys.contains(try parse(#"{ "path" : "out/t4999/events.ndjson" }"#)))
        #expect(!keys.contains(try parse(#"{"path": "out/t5000/events.ndjson"}"#)))
    }
}
