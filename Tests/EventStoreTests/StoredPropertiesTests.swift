@testable import EventStoreSQLite
import RouterCore
import RouterTesting
import Testing

/// The stored form of event properties: compressed when that saves space, always read back as
/// the same JSON text.
@Suite(.timeLimit(.minutes(2)))
struct StoredPropertiesTests {
    let sample = JSONWriter.serialize(.object(Fixtures.sampleProperties))

    @Test func theSamplePropertiesAreStoredCompressedAndReadBackExactly() throws {
        let blob = StoredProperties.encode(self.sample)
        #expect(blob.first == StoredProperties.compressedTag)
        #expect(blob.count * 3 < self.sample.count * 2, "the sample's \(self.sample.count) bytes should shrink by a third at least, got \(blob.count)")
        let size = blob.withUnsafeBytes { StoredProperties.textSize($0) }
        #expect(size == self.sample.count)
        let text = try blob.withUnsafeBytes { try StoredProperties.decode($0) }
        #expect(text == self.sample)
    }

    @Test func smallObjectsStayText() throws {
        let json = Array(#"{"user_id":"u-1"}"#.utf8)
        let blob = StoredProperties.encode(json)
        #expect(blob == json)
        #expect(try blob.withUnsafeBytes { try StoredProperties.decode($0) } == json)
        #expect(blob.withUnsafeBytes { StoredProperties.textSize($0) } == json.count)
    }

    @Test func aStoredBlobIsNeverLargerThanTheText() throws {
        // Printable noise from a fixed pseudo-random sequence: little for LZ4 to gain.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let noise = (0..<3000).map { _ -> Character in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Character(Unicode.Scalar(UInt8(33 + (state >> 33) % 90)))
        }.filter { $0 != "\"" && $0 != "\\" }
        for count in [StoredProperties.minimumToCompress, 300, 3000] {
            let json = Array(#"{"noise":"\#(String(noise.prefix(count)))"}"#.utf8)
            let blob = StoredProperties.encode(json)
            #expect(blob.count <= json.count)
            #expect(try blob.withUnsafeBytes { try StoredProperties.decode($0) } == json)
        }
        let json = Array(#"{"noise":"\#(String(noise.prefix(30)))"}"#.utf8)
        let blob = StoredProperties.encode(json)
        #expect(blob == json)
        #expect(try blob.withUnsafeBytes { try StoredProperties.decode($0) } == json)
    }

    @Test func rowsWrittenAsTextBeforeCompressionAreReadAsTheyAre() throws {
        // Any size: schema 2 stored every object as text.
        let text = try self.sample.withUnsafeBytes { try StoredProperties.decode($0) }
        #expect(text == self.sample)
    }

    @Test func aBlobThatDoesNotDecompressToItsRecordedLengthIsAnError() {
        let blob = StoredProperties.encode(self.sample)
        let truncated = Array(blob.dropLast(10))
        #expect(throws: StoredPropertiesError.self) { try truncated.withUnsafeBytes { try StoredProperties.decode($0) } }
        var longer = blob
        longer[1] &+= 1
        #expect(throws: StoredPropertiesError.self) { try longer.withUnsafeBytes { try StoredProperties.decode($0) } }
        // A damaged length asking for 2 GB is refused before anything is allocated.
        var huge = blob
        huge.replaceSubrange(1..<5, with: [0xFF, 0xFF, 0xFF, 0x7E])
        #expect(throws: StoredPropertiesError.self) { try huge.withUnsafeBytes { try StoredProperties.decode($0) } }
        var garbage = blob
        for index in 5..<garbage.count { garbage[index] = 0xFF }
        #expect(throws: StoredPropertiesError.self) { try garbage.withUnsafeBytes { try StoredProperties.decode($0) } }
        let notJSON = Array("[1,2,3]".utf8)
        #expect(throws: StoredPropertiesError.notAnObject) { try notJSON.withUnsafeBytes { try StoredProperties.decode($0) } }
        let empty: [UInt8] = []
        #expect(throws: StoredPropertiesError.notAnObject) { try empty.withUnsafeBytes { try StoredProperties.decode($0) } }
    }

    @Test func manyTasksEncodingAtOnceEachGetTheirOwnResult() async throws {
        let inputs = (0..<64).map { index in
            JSONWriter.serialize(.object(Fixtures.sampleProperties.merging(["n": .string(String(repeating: "x", count: index))]) { $1 }))
        }
        let outputs = await withTaskGroup(of: (Int, [UInt8]).self) { group in
            for (index, input) in inputs.enumerated() {
                group.addTask { (index, StoredProperties.encode(input)) }
            }
            var outputs = [[UInt8]](repeating: [], count: inputs.count)
            for await (index, blob) in group { outputs[index] = blob }
            return outputs
        }
        for (input, blob) in zip(inputs, outputs) {
            #expect(try blob.withUnsafeBytes { try StoredProperties.decode($0) } == input)
        }
    }
}
