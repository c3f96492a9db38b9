import Foundation
import RouterCore
import Testing

/// The tenant loader decodes settings with `JSONValueDecoder` instead of `JSONDecoder`: every
/// input here must give what `JSONDecoder` gives, the value or the same config error (code,
/// JSON path and message), so no tenant file is judged differently.
struct JSONValueDecoderTests {
    struct Retry: Decodable, Equatable {
        let attempts: Int
        let delays: [Double]?
    }

    struct Settings: Decodable, Equatable {
        let name: String
        let port: Int
        let ratio: Double?
        let enabled: Bool?
        let tags: [String]?
        let limits: [String: Int64]?
        let retry: Retry?
        let key: SecretReference?
        let small: UInt16?

        enum CodingKeys: String, CodingKey, CaseIterable { case name, port, ratio, enabled, tags, limits, retry, key, small }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.name = try container.decode(String.self, forKey: .name)
            self.port = try container.decode(Int.self, forKey: .port)
            self.ratio = try container.decodeIfPresent(Double.self, forKey: .ratio)
            self.enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled)
            self.tags = try container.decodeIfPresent([String].self, forKey: .tags)
            self.limits = try container.decodeIfPresent([String: Int64].self, forKey: .limits)
            self.retry = try container.decodeIfPresent(Retry.self, forKey: .retry)
            self.key = try container.decodeIfPresent(SecretReference.self, forKey: .key)
            self.small = try container.decodeIfPresent(UInt16.self, forKey: .small)
        }
    }

    static let environment = ["SET": "value-from-env"]

    static let inputs = [
        #"{"name": "a", "port": 8080}"#,
        #"{"name": "a", "port": 8080, "ratio": 0.5, "enabled": true, "tags": ["x", "y"], "limits": {"a": 1, "b": -2}}"#,
        #"{"name": "a", "port": 8080, "retry": {"attempts": 3, "delays": [1, 2.5, 1e2]}, "key": {"env": "SET"}, "small": 65535}"#,
        #"{"name": "a", "port": 1e3, "key": "inline"}"#,
        #"{"name": "a", "port": 3.0}"#,
        #"{"port": 8080}"#,
        #"{"name": 7, "port": 8080}"#,
        #"{"name": null, "port": 8080}"#,
        #"{"name": "a", "port": "8080"}"#,
        #"{"name": "a", "port": 8080, "enabled": 1}"#,
        #"{"name": "a", "port": 8080, "tags": ["x", 2]}"#,
        #"{"name": "a", "port": 8080, "tags": "x"}"#,
        #"{"name": "a", "port": 8080, "limits": {"a": "1"}}"#,
        #"{"name": "a", "port": 8080, "retry": {"delays": []}}"#,
        #"{"name": "a", "port": 8080, "retry": {"attempts": 1, "delays": [null]}}"#,
        #"{"name": "a", "port": 8080, "retry": []}"#,
        #"{"name": "a", "port": 8080, "key": {"env": "UNSET"}}"#,
        #"{"name": "a", "port": 8080, "colour": "red"}"#,
        #"{"name": "a", "port": 8080, "ratio": null}"#,
        #"["name"]"#,
        #""text""#,
    ]

    /// The value, or the config error as one line (values compare as values: a dictionary's
    /// description has no fixed order).
    enum Outcome: Equatable, CustomStringConvertible {
        case value(Settings)
        case problem(String)

        var description: String {
            switch self {
            case .value(let settings): "value \(settings)"
            case .problem(let line): line
            }
        }
    }

    static func outcome(_ body: () throws -> Settings) -> Outcome {
        do {
            return .value(try body())
        } catch let error as DecodingError {
            let problem = ConfigError(decoding: error, file: "t.json", prefix: "destinations[0].settings")
            return .problem("error \(problem.code) \(problem.path): \(problem.message)")
        } catch {
            return .problem("other \(error)")
        }
    }

    @Test(arguments: Self.inputs)
    func decodesAsJSONDecoderDoes(_ input: String) throws {
        let value = try JSONParser.parse(Data(input.utf8))
        let viaFoundation = Self.outcome {
            try JSONDecoderFactory.make(environment: Self.environment).decode(Settings.self, from: Data(input.utf8))
        }
        let viaValue = Self.outcome {
            try JSONValueDecoder(environment: Self.environment).decode(Settings.self, from: value)
        }
        #expect(viaValue == viaFoundation)
    }

    /// Where `JSONDecoder` answers only "The given data was not valid JSON." for the whole block,
    /// the loader now names the field and says why.
    @Test(arguments: [
        (#"{"name": "a", "port": 1.5}"#, "port: Parsed JSON number <1.5> does not fit in Int."),
        (#"{"name": "a", "port": 8080, "small": 65536}"#, "small: Parsed JSON number <65536> does not fit in UInt16."),
        (#"{"name": "a", "port": 8080, "small": -1}"#, "small: Parsed JSON number <-1> does not fit in UInt16."),
    ])
    func aNumberThatDoesNotFitNamesItsField(_ input: String, _ expected: String) throws {
        let value = try JSONParser.parse(Data(input.utf8))
        let viaFoundation = Self.outcome {
            try JSONDecoderFactory.make(environment: Self.environment).decode(Settings.self, from: Data(input.utf8))
        }
        #expect(viaFoundation == .problem("error invalid_value destinations[0].settings: The given data was not valid JSON."))
        let viaValue = Self.outcome {
            try JSONValueDecoder(environment: Self.environment).decode(Settings.self, from: value)
        }
        #expect(viaValue == .problem("error invalid_value destinations[0].settings." + expected))
    }

    @Test func aJSONValueInsideKeepsItsNumbersText() throws {
        struct Holder: Decodable { let extra: JSONValue }
        let value = try JSONParser.parse(Data(#"{"extra": {"n": 1.50, "e": 1E3, "list": [0.10]}}"#.utf8))
        let decoded = try JSONValueDecoder(environment: [:]).decode(Holder.self, from: value)
        #expect(String(decoding: JSONWriter.serialize(decoded.extra), as: UTF8.self) == String(decoding: JSONWriter.serialize(value["extra"] ?? .null), as: UTF8.self))
        #expect(decoded.extra.isWrittenAlike(value["extra"] ?? .null))
        let one = try JSONParser.parse(Data("1".utf8))
        let onePointZero = try JSONParser.parse(Data("1.0".utf8))
        #expect(one == onePointZero)
        #expect(!one.isWrittenAlike(onePointZero))
    }

    @Test func stringsAndKeysAreWrittenAlikeOnlyWithTheSameBytes() {
        // Swift's `==` takes a precomposed "é" and "e" + U+0301 as equal; a URL with either is
        // a different request, so settings written either way are not the same settings.
        let precomposed: JSONValue = ["url": "https://h/caf\u{e9}"]
        let decomposed: JSONValue = ["url": "https://h/cafe\u{301}"]
        #expect(precomposed == decomposed)
        #expect(!precomposed.isWrittenAlike(decomposed))
        let keyPrecomposed: JSONValue = ["caf\u{e9}": 1]
        let keyDecomposed: JSONValue = ["cafe\u{301}": 1]
        #expect(!keyPrecomposed.isWrittenAlike(keyDecomposed))
        #expect(keyPrecomposed.isWrittenAlike(["caf\u{e9}": 1]))
    }

    @Test func integersWrittenWithAFractionOrExponentDecodeExactly() throws {
        struct Holder: Decodable { let n: Int64 }
        let integer = { (text: String) throws -> Int64 in
            let value = try JSONParser.parse(Data(#"{"n": \#(text)}"#.utf8))
            return try JSONValueDecoder(environment: [:]).decode(Holder.self, from: value).n
        }
        // Through a double these would come back as …992 and …680.
        #expect(try integer("9007199254740993.0") == 9_007_199_254_740_993)
        #expect(try integer("123456789012345678.0") == 123_456_789_012_345_678)
        #expect(try integer("1.5e2") == 150)
        #expect(try integer("15000e-2") == 150)
        #expect(try integer("-3.00") == -3)
        #expect(try integer("0e-400") == 0)
        #expect(try integer("-0.0") == 0)
        #expect(try integer("9.223372036854775807e18") == Int64.max)
        for refused in ["1.5", "1e-400", "100e-5", "9.223372036854775808e18", "1e40"] {
            #expect(throws: DecodingError.self, "\(refused)") { try integer(refused) }
        }
    }

    @Test func aFailedTryOnAnArrayElementLeavesItForTheNextAttempt() throws {
        struct Mixed: Decodable {
            var values: [String] = []
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                while !container.isAtEnd {
                    if let text = try? container.decode(String.self) {
                        self.values.append(text)
                    } else {
                        self.values.append(String(try container.decode(Int.self)))
                    }
                }
            }
        }
        let input = #"["a", 2, "c"]"#
        let viaValue = try JSONValueDecoder(environment: [:]).decode(Mixed.self, from: JSONParser.parse(Data(input.utf8)))
        let viaFoundation = try JSONDecoder().decode(Mixed.self, from: Data(input.utf8))
        #expect(viaValue.values == ["a", "2", "c"])
        #expect(viaValue.values == viaFoundation.values)
    }

    @Test func urlsDataAndHugeNumbersAreReadAsJSONDecoderReadsThem() throws {
        struct Typed: Decodable { let url: URL; let data: Data }
        let input = #"{"url": "https://api.segment.io/v1/batch", "data": "aGk="}"#
        let typed = try JSONValueDecoder(environment: [:]).decode(Typed.self, from: JSONParser.parse(Data(input.utf8)))
        #expect(typed.url.absoluteString == "https://api.segment.io/v1/batch")
        #expect(typed.data == Data("hi".utf8))
        struct Ratio: Decodable { let ratio: Double }
        #expect(throws: DecodingError.self) { try JSONValueDecoder(environment: [:]).decode(Ratio.self, from: JSONParser.parse(Data(#"{"ratio": 1e400}"#.utf8))) }
    }
}
