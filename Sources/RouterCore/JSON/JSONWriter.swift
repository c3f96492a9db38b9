/// Serializes `JSONValue` to compact UTF-8 JSON, with object keys sorted so output is stable.
public struct JSONWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// Creates an empty writer with room for `capacity` bytes.
    public init(capacity: Int = 256) {
        self.bytes.reserveCapacity(capacity)
    }

    /// Serializes one value.
    public static func serialize(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.bytes
    }

    /// Appends a raw byte (for hand-built envelopes: `{`, `,`, ...).
    public mutating func raw(_ text: StaticString) {
        self.bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends bytes that are already valid JSON.
    public mutating func rawJSON(_ json: some Sequence<UInt8>) {
        self.bytes.append(contentsOf: json)
    }

    /// Removes the last byte written (to reopen an object just closed, for example).
    public mutating func dropLast() {
        _ = self.bytes.popLast()
    }

    /// Appends `"key":`.
    public mutating func key(_ key: String) {
        self.string(key)
        self.bytes.append(UInt8(ascii: ":"))
    }

    /// Appends one value.
    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: self.raw("null")
        case .bool(let flag): flag ? self.raw("true") : self.raw("false")
        case .number(let number): self.bytes.append(contentsOf: number.text.utf8)
        case .string(let string): self.string(string)
        case .array(let elements):
            self.bytes.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { self.bytes.append(UInt8(ascii: ",")) }
                self.write(element)
            }
            self.bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            self.object(members)
        }
    }

    /// Appends an event's properties: the text the source sent when known, else encoded.
    public mutating func properties(of event: RetentionEvent) {
        if let encoded = event.encodedProperties {
            self.rawJSON(encoded)
        } else {
            self.object(event.properties)
        }
    }

    /// Appends an object with its keys in sorted order.
    public mutating func object(_ members: [String: JSONValue]) {
        self.bytes.append(UInt8(ascii: "{"))
        // Byte order sorts like `<` for ASCII keys and is much cheaper than Unicode collation.
        for (position, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if position > 0 { self.bytes.append(UInt8(ascii: ",")) }
            self.key(key)
            // The key comes from the dictionary's own keys, so the lookup always succeeds.
            self.write(members[key] ?? .null)
        }
        self.bytes.append(UInt8(ascii: "}"))
    }

    /// Appends a quoted, escaped string. Runs of bytes that need no escape are copied at once.
    public mutating func string(_ string: String) {
        self.bytes.append(UInt8(ascii: "\""))
        var text = string
        text.withUTF8 { utf8 in
            var runStart = 0
            for position in 0..<utf8.count {
                let byte = utf8[position]
                if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") { continue }
                if runStart < position { self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<position])) }
                self.escape(byte)
                runStart = position + 1
            }
            if runStart < utf8.count { self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        }
        self.bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): self.raw("\\\"")
        case UInt8(ascii: "\\"): self.raw("\\\\")
        case 0x0a: self.raw("\\n")
        case 0x0d: self.raw("\\r")
        case 0x09: self.raw("\\t")
        case 0x08: self.raw("\\b")
        case 0x0c: self.raw("\\f")
        default:
            self.raw("\\u00")
            let digits: StaticString = "0123456789abcdef"
            self.bytes.append(digits.utf8Start[Int(byte >> 4)])
            self.bytes.append(digits.utf8Start[Int(byte & 0x0f)])
        }
    }
}
