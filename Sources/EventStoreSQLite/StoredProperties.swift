import CLZ4

/// How an event's properties sit in the `events.properties` column: compressed when that saves
/// space, because durable ingest is bound by the bytes the disk writes.
///
/// Every stored byte is written twice (once to the WAL, once at checkpoint), and a row is kept
/// whole on a page, so the 2.2 KB sample properties used to cost a whole 4 KB page twice. With
/// LZ4 they take about 1.1 KB and three rows share a page. LZ4 rather than DEFLATE: on the
/// sample it compresses in about 1.2 µs instead of 8 µs and decompresses in 0.2 µs, and with
/// the disk no longer the limit, the processor is.
///
/// A blob is one of:
/// - JSON object text as received (its first byte is `{`): objects under `minimumToCompress`
///   bytes, objects that do not shrink, and every row written before schema version 3;
/// - `compressedTag`, the text's length as 4 bytes little-endian, then one LZ4 block.
enum StoredProperties {
    static let compressedTag: UInt8 = 0x01
    /// Smaller objects are stored as text: there is little to gain.
    static let minimumToCompress = 256
    private static let headerSize = 5

    /// The column value for `json`.
    static func encode(_ json: [UInt8]) -> [UInt8] {
        guard json.count >= Self.minimumToCompress, json.count <= Int(LZ4_MAX_INPUT_SIZE) else { return json }
        let capacity = json.count - Self.headerSize - 1
        let length = UInt32(json.count)
        // Uninitialized: LZ4 writes what is kept, and clearing 2 KB per event showed in profiles.
        let blob = [UInt8](unsafeUninitializedCapacity: Self.headerSize + capacity) { output, count in
            count = 0
            guard let destination = output.baseAddress else { return }
            output[0] = Self.compressedTag
            for index in 0..<4 { output[1 + index] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(index))) }
            let written = json.withUnsafeBytes { input in
                LZ4_compress_default(
                    input.baseAddress?.assumingMemoryBound(to: CChar.self),
                    UnsafeMutableRawPointer(destination + Self.headerSize).assumingMemoryBound(to: CChar.self),
                    Int32(input.count),
                    Int32(capacity)
                )
            }
            if written > 0 { count = Self.headerSize + Int(written) }
        }
        // LZ4 returns 0 once the output would not be smaller than the text: keep the text.
        return blob.isEmpty ? json : blob
    }

    /// The JSON object text stored in `blob`.
    static func decode(_ blob: UnsafeRawBufferPointer) throws(StoredPropertiesError) -> [UInt8] {
        guard let first = blob.first else { throw .notAnObject }
        if first == UInt8(ascii: "{") { return Array(blob) }
        guard first == Self.compressedTag, blob.count > Self.headerSize, let base = blob.baseAddress else { throw .notAnObject }
        let length = Self.textSize(blob)
        // LZ4 expands a block at most about 255 times: a larger recorded length is damage, and
        // must not become a huge allocation.
        guard length > 0, length <= Int(LZ4_MAX_INPUT_SIZE), length <= (blob.count - Self.headerSize) * 255 else {
            throw .damaged("recorded length \(length) for \(blob.count - Self.headerSize) compressed bytes")
        }
        let text = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            let read = LZ4_decompress_safe(
                base.advanced(by: Self.headerSize).assumingMemoryBound(to: CChar.self),
                UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self),
                Int32(blob.count - Self.headerSize),
                Int32(length)
            )
            count = max(0, Int(read))
        }
        guard text.count == length else {
            throw .damaged("\(text.count) of \(length) bytes decompressed")
        }
        guard text.first == UInt8(ascii: "{") else { throw .notAnObject }
        return text
    }

    /// The length of the JSON text in `blob`, without decompressing it.
    static func textSize(_ blob: UnsafeRawBufferPointer) -> Int {
        guard blob.first == Self.compressedTag, blob.count > Self.headerSize else { return blob.count }
        var length = 0
        for index in 0..<4 { length |= Int(blob[1 + index]) << (8 * index) }
        return length
    }
}

/// Why a stored properties blob could not be read back.
enum StoredPropertiesError: Error, Equatable, CustomStringConvertible {
    /// Neither JSON object text nor a compressed blob.
    case notAnObject
    /// A compressed blob that does not decompress to its recorded length.
    case damaged(String)

    var description: String {
        switch self {
        case .notAnObject: "the properties are not a JSON object"
        case .damaged(let reason): "the compressed properties are damaged (\(reason))"
        }
    }
}
