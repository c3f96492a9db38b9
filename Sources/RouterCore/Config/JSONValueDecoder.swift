import Foundation

/// Decodes a `Decodable` straight from a parsed `JSONValue`: the tenant loader's settings blocks
/// and secret references, thousands per load of a large tenants folder, without writing each
/// value back to text for `JSONDecoder` to parse again.
///
/// It throws the `DecodingError`s `JSONDecoder` throws for the same input (a missing key, a
/// value of the wrong type, null where a value is required, a number that does not fit), with
/// the same coding paths, so `ConfigError(decoding:)` reports the same problems. A `JSONValue`
/// inside is handed over as it is, numbers keeping their text.
public struct JSONValueDecoder {
    /// What `Decoder.userInfo` holds (the environment secret references resolve against, the
    /// problem collector).
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Creates a decoder whose `SecretReference`s resolve against `environment`.
    public init(environment: [String: String]) {
        self.userInfo = [.configEnvironment: environment]
    }

    /// Decodes `type` from `value`.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONValueDecoding(value: value, codingPath: [], userInfo: self.userInfo).unwrap(type)
    }
}

/// One value being decoded, at its coding path.
private struct JSONValueDecoding: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any]

    init(value: JSONValue, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: Any]) {
        self.value = value
        self.codingPath = codingPath
        self.userInfo = userInfo
    }

    func child(_ value: JSONValue, _ key: any CodingKey) -> JSONValueDecoding {
        JSONValueDecoding(value: value, codingPath: self.codingPath + [key], userInfo: self.userInfo)
    }

    /// Decodes `type`; like `JSONDecoder`, a URL is read from a string, `Data` from base64 and a
    /// `Decimal` from the number's text, not through their own `Decodable` shapes.
    func unwrap<T: Decodable>(_ type: T.Type) throws -> T {
        if type == JSONValue.self, let value = self.value as? T { return value }
        if type == URL.self {
            guard let url = URL(string: try self.decodeString()) else {
                throw DecodingError.dataCorrupted(.init(codingPath: self.codingPath, debugDescription: "Invalid URL string."))
            }
            if let url = url as? T { return url }
        }
        if type == Data.self {
            guard let data = Data(base64Encoded: try self.decodeString()) else {
                throw DecodingError.dataCorrupted(.init(codingPath: self.codingPath, debugDescription: "Encountered Data is not valid Base64."))
            }
            if let data = data as? T { return data }
        }
        if type == Decimal.self {
            guard case .number(let number) = self.value else { throw self.mismatch(Decimal.self, expected: "Decimal") }
            guard let decimal = Decimal(string: number.text, locale: Locale(identifier: "en_US_POSIX")) else {
                throw DecodingError.dataCorrupted(.init(codingPath: self.codingPath, debugDescription: "Parsed JSON number <\(number.text)> does not fit in Decimal."))
            }
            if let decimal = decimal as? T { return decimal }
        }
        return try T(from: self)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = self.value else {
            throw self.mismatch([String: Any].self, expected: "a dictionary")
        }
        return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self, members: members))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = self.value else {
            throw self.mismatch([Any].self, expected: "an array")
        }
        return UnkeyedContainer(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueContainer(decoder: self)
    }

    func mismatch(_ type: Any.Type, expected: String) -> DecodingError {
        if case .null = self.value {
            return DecodingError.valueNotFound(type, .init(codingPath: self.codingPath, debugDescription: "Cannot get \(expected) -- found null value instead"))
        }
        return DecodingError.typeMismatch(type, .init(codingPath: self.codingPath, debugDescription: "Expected to decode \(expected) but found \(self.value.typeName) instead."))
    }

    // MARK: Scalars

    func decodeBool() throws -> Bool {
        guard case .bool(let flag) = self.value else { throw self.mismatch(Bool.self, expected: "Bool") }
        return flag
    }

    func decodeString() throws -> String {
        guard case .string(let text) = self.value else { throw self.mismatch(String.self, expected: "String") }
        return text
    }

    func decodeDouble() throws -> Double {
        guard case .number(let number) = self.value else { throw self.mismatch(Double.self, expected: "Double") }
        let double = number.doubleValue
        guard double.isFinite else { throw self.doesNotFit(number, Double.self) }
        return double
    }

    func decodeFloat() throws -> Float {
        let float = Float(try self.decodeDouble())
        if float.isFinite { return float }
        guard case .number(let number) = self.value else { throw self.mismatch(Float.self, expected: "Float") }
        throw self.doesNotFit(number, Float.self)
    }

    func doesNotFit(_ number: JSONNumber, _ type: Any.Type) -> DecodingError {
        DecodingError.dataCorrupted(.init(codingPath: self.codingPath, debugDescription: "Parsed JSON number <\(number.text)> does not fit in \(type)."))
    }

    /// An integer type from a number whose value it holds exactly (`3`, `3.0` and `3e0` alike).
    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .number(let number) = self.value else { throw self.mismatch(type, expected: "\(type)") }
        if let exact = T(number.text) ?? number.integerText().flatMap({ T($0) }) { return exact }
        throw self.doesNotFit(number, type)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: JSONValueDecoding
    let members: [String: JSONValue]

    var codingPath: [any CodingKey] { self.decoder.codingPath }
    var allKeys: [Key] { self.members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { self.members[key.stringValue] != nil }

    private func member(_ key: Key) throws -> JSONValueDecoding {
        guard let value = self.members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: self.codingPath, debugDescription: "No value associated with key \(key.stringValue)."))
        }
        return self.decoder.child(value, key)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try self.member(key).value { return true }
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try self.member(key).decodeBool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try self.member(key).decodeString() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try self.member(key).decodeDouble() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try self.member(key).decodeFloat() }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try self.member(key).decodeInteger(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try self.member(key).decodeInteger(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try self.member(key).decodeInteger(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try self.member(key).decodeInteger(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try self.member(key).decodeInteger(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try self.member(key).decodeInteger(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try self.member(key).decodeInteger(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try self.member(key).decodeInteger(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try self.member(key).decodeInteger(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try self.member(key).decodeInteger(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try self.member(key).unwrap(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try self.member(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try self.member(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        self.decoder.child(self.members["super"] ?? .null, AnyCodingKey("super"))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        self.decoder.child(self.members[key.stringValue] ?? .null, key)
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: JSONValueDecoding
    let elements: [JSONValue]
    var currentIndex = 0

    init(decoder: JSONValueDecoding, elements: [JSONValue]) {
        self.decoder = decoder
        self.elements = elements
    }

    var codingPath: [any CodingKey] { self.decoder.codingPath }
    var count: Int? { self.elements.count }
    var isAtEnd: Bool { self.currentIndex >= self.elements.count }

    /// Decodes the current element with `body` and moves past it only when that succeeded, as
    /// `JSONDecoder` does (a failed `try?` may be followed by another attempt on the same one).
    private mutating func next<T>(_ type: Any.Type, _ body: (JSONValueDecoding) throws -> T) throws -> T {
        guard !self.isAtEnd else {
            throw DecodingError.valueNotFound(
                type,
                .init(codingPath: self.codingPath + [AnyCodingKey(index: self.currentIndex)], debugDescription: "Unkeyed container is at end.")
            )
        }
        let value = try body(self.decoder.child(self.elements[self.currentIndex], AnyCodingKey(index: self.currentIndex)))
        self.currentIndex += 1
        return value
    }

    mutating func decodeNil() throws -> Bool {
        guard !self.isAtEnd, case .null = self.elements[self.currentIndex] else { return false }
        self.currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try self.next(type) { try $0.decodeBool() } }
    mutating func decode(_ type: String.Type) throws -> String { try self.next(type) { try $0.decodeString() } }
    mutating func decode(_ type: Double.Type) throws -> Double { try self.next(type) { try $0.decodeDouble() } }
    mutating func decode(_ type: Float.Type) throws -> Float { try self.next(type) { try $0.decodeFloat() } }
    mutating func decode(_ type: Int.Type) throws -> Int { try self.next(type) { try $0.decodeInteger(type) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try self.next(type) { try $0.decodeInteger(type) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try self.next(type) { try $0.decodeInteger(type) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try self.next(type) { try $0.decodeInteger(type) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try self.next(type) { try $0.decodeInteger(type) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try self.next(type) { try $0.decodeInteger(type) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try self.next(type) { try $0.decodeInteger(type) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try self.next(type) { try $0.decodeInteger(type) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try self.next(type) { try $0.decodeInteger(type) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try self.next(type) { try $0.decodeInteger(type) } }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try self.next(type) { try $0.unwrap(type) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try self.next([String: Any].self) { try $0.container(keyedBy: type) }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try self.next([Any].self) { try $0.unkeyedContainer() }
    }

    mutating func superDecoder() throws -> any Decoder {
        try self.next(Any.self) { $0 }
    }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let decoder: JSONValueDecoding

    var codingPath: [any CodingKey] { self.decoder.codingPath }

    func decodeNil() -> Bool {
        if case .null = self.decoder.value { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try self.decoder.decodeBool() }
    func decode(_ type: String.Type) throws -> String { try self.decoder.decodeString() }
    func decode(_ type: Double.Type) throws -> Double { try self.decoder.decodeDouble() }
    func decode(_ type: Float.Type) throws -> Float { try self.decoder.decodeFloat() }
    func decode(_ type: Int.Type) throws -> Int { try self.decoder.decodeInteger(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try self.decoder.decodeInteger(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try self.decoder.decodeInteger(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try self.decoder.decodeInteger(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try self.decoder.decodeInteger(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try self.decoder.decodeInteger(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try self.decoder.decodeInteger(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try self.decoder.decodeInteger(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try self.decoder.decodeInteger(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try self.decoder.decodeInteger(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try self.decoder.unwrap(type) }
}
