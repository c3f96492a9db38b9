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
