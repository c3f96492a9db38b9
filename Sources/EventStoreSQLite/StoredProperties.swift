import CZlib
import Synchronization

/// How an event's properties sit in the `events.properties` column: compressed when that saves
/// space, because durable ingest is bound by the bytes the disk writes.
///
/// Every stored byte is written twice (once to the WAL, once at checkpoint), and a row is kept
/// whole on a page, so the 2.2 KB sample properties used to cost a whole 4 KB page twice. Stored
/// with DEFLATE they take about 0.8 KB, and four rows share a page.
///
/// A blob is one of:
/// - JSON object text as received (its first byte is `{`): objects under `minimumToCompress`
///   bytes, objects that do not shrink, and every row written before schema version 3;
/// - `compressedTag`, the text's length as 4 bytes little-endian, then the text as a zlib
///   stream (RFC 1950, whose Adler-32 checksum catches a damaged row).
enum StoredProperties {
    static let compressedTag: UInt8 = 0x01
    /// Smaller objects are stored as text: the zlib framing would eat what compression saves.
    static let minimumToCompress = 256
    private static let headerSize = 5
    /// A 8 KB window and small hash tables: events are a few KB, and the compressor's state
    /// stays at about 64 KB per call instead of 256 KB.
    private static let windowBits: Int32 = 13
    private static let memoryLevel: Int32 = 6
    /// Compressors kept for reuse: setting one up costs more than compressing an event.
    private static let deflaters = DeflaterPool(level: 1, windowBits: windowBits, memoryLevel: memoryLevel)

    /// The column value for `json`.
    static func encode(_ json: [UInt8]) -> [UInt8] {
        guard json.count >= Self.minimumToCompress, json.count <= Int(UInt32.max) else { return json }
        guard let deflater = Self.deflaters.take() else { return json }
        defer { Self.deflaters.give(deflater) }
        let stream = deflater.stream
        let bound = Int(deflateBound(stream, uLong(json.count)))
        // Only worth it when it saves space: give up once the output would not be smaller.
        let capacity = min(bound, json.count - Self.headerSize - 1)
        guard capacity > 0 else { return json }
        var blob = [UInt8](repeating: 0, count: Self.headerSize + capacity)
        let length = UInt32(json.count)
        blob[0] = Self.compressedTag
        for index in 0..<4 { blob[1 + index] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(index))) }
        let status: Int32 = json.withUnsafeBytes { input in
            blob.withUnsafeMutableBytes { output in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.pointee.avail_in = uInt(input.count)
                stream.pointee.next_out = output.bindMemory(to: Bytef.self).baseAddress?.advanced(by: Self.headerSize)
                stream.pointee.avail_out = uInt(capacity)
                return deflate(stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return json }
        blob.removeLast(Int(stream.pointee.avail_out))
        return blob
    }

    /// The JSON object text stored in `blob`.
    static func decode(_ blob: UnsafeRawBufferPointer) throws(StoredPropertiesError) -> [UInt8] {
        guard let first = blob.first else { throw .notAnObject }
        if first == UInt8(ascii: "{") { return Array(blob) }
        guard first == Self.compressedTag, blob.count > Self.headerSize else { throw .notAnObject }
        let length = Self.textSize(blob)
        var text = [UInt8](repeating: 0, count: length)
        var stream = z_stream()
        guard czlib_inflate_init(&stream) == Z_OK else { throw .damaged("the decompressor could not start") }
        defer { inflateEnd(&stream) }
        let status: Int32 = text.withUnsafeMutableBytes { output in
            stream.next_in = UnsafeMutablePointer(mutating: blob.bindMemory(to: Bytef.self).baseAddress?.advanced(by: Self.headerSize))
            stream.avail_in = uInt(blob.count - Self.headerSize)
            stream.next_out = output.bindMemory(to: Bytef.self).baseAddress
            stream.avail_out = uInt(output.count)
            return inflate(&stream, Z_FINISH)
        }
        guard status == Z_STREAM_END, stream.avail_out == 0 else {
            throw .damaged("zlib status \(status), \(length - Int(stream.avail_out)) of \(length) bytes")
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

/// zlib compressors handed to one caller at a time and reset after each use, at most `capacity`
/// of them kept.
private final class DeflaterPool: Sendable {
    private let idle = Mutex<[Deflater]>([])
    private let level: Int32
    private let windowBits: Int32
    private let memoryLevel: Int32
    private let capacity = 16

    init(level: Int32, windowBits: Int32, memoryLevel: Int32) {
        self.level = level
        self.windowBits = windowBits
        self.memoryLevel = memoryLevel
    }

    /// An idle compressor or a new one; nil only when zlib cannot allocate one.
    func take() -> Deflater? {
        if let idle = self.idle.withLock({ $0.popLast() }) { return idle }
        return Deflater.make(level: self.level, windowBits: self.windowBits, memoryLevel: self.memoryLevel)
    }

    /// Returns `deflater`, reset, for the next caller.
    func give(_ deflater: Deflater) {
        guard deflateReset(deflater.stream) == Z_OK else { return }
        self.idle.withLock { idle in
            if idle.count < self.capacity { idle.append(deflater) }
        }
    }
}

/// One zlib compression stream.
///
/// `@unchecked Sendable`: `DeflaterPool` hands it to one caller at a time.
private final class Deflater: @unchecked Sendable {
    let stream: UnsafeMutablePointer<z_stream>

    private init(stream: UnsafeMutablePointer<z_stream>) {
        self.stream = stream
    }

    /// A ready stream, or nil when zlib cannot allocate one.
    static func make(level: Int32, windowBits: Int32, memoryLevel: Int32) -> Deflater? {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard czlib_deflate_init(stream, level, windowBits, memoryLevel) == Z_OK else {
            stream.deallocate()
            return nil
        }
        return Deflater(stream: stream)
    }

    deinit {
        deflateEnd(self.stream)
        self.stream.deallocate()
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
