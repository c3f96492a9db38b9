import Foundation
@testable import RouterCore
import Testing

/// Our side of the differential JSON fuzzer (`scripts/fuzz-json.sh`): the driver writes inputs
/// to the file named by `RR_JSON_FUZZ_INPUT` (each a 4-byte little-endian length, then the
/// bytes) and reads one verdict line per input from `RR_JSON_FUZZ_OUTPUT`. Without them the test
/// checks the verdicts of a few known inputs.
///
/// A verdict is `ok <value>` or `err <code>`, where `<value>` is canonical: `n`, `t`, `f`,
/// `d<number text>;`, `s<UTF-8 hex>;`, `[a,b]`, `{<key hex>:value,...}` with keys in byte order.
/// Every entry point ingest uses must agree with `JSONParser.parse` on the same input
/// (`parseCapturingText`, `objectMembers`); if one does not, the verdict is `bad <what>`.
struct JSONParserFuzzTests {
    @Test func verdictsOfKnownInputs() {
        let cases: [(String, String)] = [
            (#" {"b":[1,-0.5e3,true,false,null],"a":"é"} "#, "ok {61:sc3a9;,62:[d1;,d-0.5e3;,t,f,n]}"),
            (#"{"a":1,"a":2}"#, "err duplicate_key"),
            (#"{"properties":{"x":"\u0041"},"batch":[{"properties":{}}]}"#, "ok {6261746368:[{70726f70657274696573:{}}],70726f70657274696573:{78:s41;}}"),
            ("[1,]", "err malformed_json"),
        ]
        for (input, expected) in cases {
            #expect(Self.verdict(Array(input.utf8)) == expected)
        }
    }

    @Test func answersTheFuzzDriver() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let inputPath = environment["RR_JSON_FUZZ_INPUT"], let outputPath = environment["RR_JSON_FUZZ_OUTPUT"] else { return }
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: inputPath)))
        var output = ""
        var offset = 0
        while offset + 4 <= data.count {
            let length = Int(data[offset]) | Int(data[offset + 1]) << 8 | Int(data[offset + 2]) << 16 | Int(data[offset + 3]) << 24
            offset += 4
            output += Self.verdict(Array(data[offset..<(offset + length)])) + "\n"
            offset += length
        }
        try Data(output.utf8).write(to: URL(fileURLWithPath: outputPath))
    }

    static func verdict(_ input: [UInt8]) -> String {
        let value: JSONValue
        do {
            value = try JSONParser.parse(input)
        } catch {
            return Self.checkRefusedEverywhere(input) ?? "err \(error.code.rawValue)"
        }
        return Self.checkAcceptedEverywhere(input, value) ?? "ok " + Self.canonical(value)
    }

    /// The other entry points refuse what `parse` refuses.
    private static func checkRefusedEverywhere(_ input: [UInt8]) -> String? {
        input.withUnsafeBytes { buffer in
            if case .success = JSONParser.parseCapturingText(buffer, key: "properties") {
                return "bad parseCapturingText accepted what parse refused"
            }
            if (try? JSONParser.objectMembers(buffer)) != nil {
                return "bad objectMembers accepted what parse refused"
            }
            return nil
        }
    }

    /// The other entry points accept what `parse` accepts, and their captures hold the same values.
    private static func checkAcceptedEverywhere(_ input: [UInt8], _ value: JSONValue) -> String? {
        input.withUnsafeBytes { buffer -> String? in
            guard case .success(let (_, texts)) = JSONParser.parseCapturingText(buffer, key: "properties") else {
                return "bad parseCapturingText refused what parse accepted"
            }
            var expected: [Int: JSONValue] = [:]
            if case .object(let root) = value {
                if case .object? = root["properties"] { expected[-1] = root["properties"] }
                for (index, element) in (root["batch"]?.arrayValue ?? []).enumerated() {
                    if case .object? = element["properties"] { expected[index] = element["properties"] }
                }
            }
            for (index, member) in expected {
                guard let text = texts[index], let captured = try? JSONParser.parse(text),
                    Self.canonical(captured) == Self.canonical(member)
                else { return "bad capture \(index) differs from the parsed value" }
            }
            guard case .object(let members) = value else { return nil }
            guard let ranges = try? JSONParser.objectMembers(buffer), ranges.count >= members.count else {
                return "bad objectMembers refused an object"
            }
            for (name, _, range) in ranges {
                guard let member = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: buffer[range])) else {
                    return "bad objectMembers member value does not parse"
                }
                // A key canonically equivalent to an earlier one is not in the dictionary view.
                if let index = members.index(forKey: name), members[index].key.utf8.elementsEqual(name.utf8),
                    Self.canonical(members[index].value) != Self.canonical(member)
                {
                    return "bad objectMembers member value differs"
                }
            }
            return nil
        }
    }

    static func canonical(_ value: JSONValue) -> String {
        switch value {
        case .null: return "n"
        case .bool(let flag): return flag ? "t" : "f"
        case .number(let number): return "d\(number.text);"
        case .string(let string): return "s\(Self.hex(string));"
        case .array(let elements): return "[" + elements.map(Self.canonical).joined(separator: ",") + "]"
        case .object(let members):
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            return "{" + keys.map { Self.hex($0) + ":" + Self.canonical(members[$0] ?? .null) }.joined(separator: ",") + "}"
        }
    }

    private static func hex(_ string: String) -> String {
        string.utf8.map { String(format: "%02x", $0) }.joined()
    }
}
