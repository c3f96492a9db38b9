import Foundation
import NIOHTTP1
import RouterCore
import RouterServer
import RouterTesting
import Testing

/// What the contract work found (by reading the routes and by Schemathesis), each held in place.
@Suite(.timeLimit(.minutes(2)))
struct ContractRegressionTests {
    /// The document's schema at a JSON pointer such as `/components/schemas/IngestEvent`.
    static func schema(_ pointer: String) throws -> JSONValue {
        var value: JSONValue? = try JSONParser.parse(Array(OpenAPIDocument.json.utf8))
        for part in pointer.split(separator: "/") {
            value = value?[part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
        }
        return try #require(value, "no \(pointer) in the document")
    }

    static func matches(_ pattern: String, _ text: String) throws -> Bool {
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// Schemathesis sent documented-valid ids with control characters, which ingest refuses:
    /// the document now says so.
    @Test func theMessageIDPatternRefusesWhatIngestRefuses() throws {
        let pattern = try #require(try Self.schema("/components/schemas/IngestEvent/properties/messageId")["pattern"]?.stringValue)
        #expect(try Self.matches(pattern, "1c296cd0-509f-477e-bbc2-bd07e5b33d06"))
        #expect(try Self.matches(pattern, "ünïcode id / with spaces"))
        for refused in ["a\nb", "tab\there", "nul\u{0}", "del\u{7f}"] {
            #expect(try !Self.matches(pattern, refused), "\(refused.debugDescription)")
        }
    }

    /// The dead-letter cursor is `SEQUENCE:DESTINATION`; any other string is refused.
    @Test func theDeadLetterCursorPatternMatchesTheServersCursor() throws {
        let parameters = try #require(try Self.schema("/paths/~1v1~1tenants~1{tenant}~1dead-letters/get/parameters").arrayValue)
        let cursor = try #require(parameters.first { $0["name"] == "cursor" })
        let pattern = try #require(cursor["schema"]?["pattern"]?.stringValue)
        #expect(try Self.matches(pattern, DeadLetterCursor(sequence: 42, destination: "segment-eu").description))
        #expect(try !Self.matches(pattern, "42"))
        #expect(DeadLetterCursor("42") == nil)
    }

    /// Each replay body the document allows is accepted; combining `matching` with another
    /// selection, which the document's `oneOf` excludes, is refused naming the field.
    @Test func everyDocumentedReplayShapeIsAccepted() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(
            directory: directory,
            registry: ServerHarness.registry,
            configuration: OperationsEndToEndTests.configuration,
            environment: OperationsEndToEndTests.environment
        )
        let shapes: [JSONValue] = [
            ["id": "evt-1"],
            ["id": "evt-1", "destination": "archive"],
            ["ids": ["evt-1", "evt-2"]],
            ["destination": "archive", "since": "2026-11-30T00:00:00Z"],
            ["destination": "archive", "all": true],
            ["matching": ["destination": "archive", "until": "2026-11-30T00:00:00Z"]],
            ["matching": [:], "all": true],
        ]
        let variants = try #require(try Self.schema("/components/schemas/ReplayRequest/oneOf").arrayValue)
        #expect(variants.count == 6)
        for shape in shapes {
            let response = try await OperationsEndToEndTests.admin(.POST, server, "/v1/tenants/acme/dead-letters/replay", body: shape)
            #expect(response.status == 200, "\(shape): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        let mixed = try await OperationsEndToEndTests.admin(
            .POST,
            server,
            "/v1/tenants/acme/dead-letters/replay",
            body: ["matching": ["destination": "archive"], "id": "evt-1"]
        )
        try await server.stop()
        #expect(mixed.status == 422)
        #expect(mixed.errorField == "id")
    }
}
