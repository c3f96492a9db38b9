import EventStoreSQLite
import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Testing

/// Every kind of bad body gets its 4xx with a JSON error, stores nothing, and the server keeps serving.
@Suite(.timeLimit(.minutes(2)))
struct BadInputEndToEndTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let body: [UInt8]
        let status: Int
        let code: String
        let field: String?
        var testDescription: String { self.name }
    }

    static let cases: [Case] = {
        let long = String(repeating: "x", count: 101)
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        var badBatch = (0..<5).map { Fixtures.event(type: .cancel, id: "b\($0)") }
        badBatch[3] = ["event": "cancelled", "messageId": "b3"]
        return [
            Case(name: "malformed JSON", body: Array(#"{"event": "cancel", "#.utf8), status: 400, code: "malformed_json", field: nil),
            Case(name: "invalid UTF-8", body: Array(#"{"event": "cancel", "properties": {"a": ""#.utf8) + [0xc3, 0x28] + Array(#""}}"#.utf8), status: 400, code: "invalid_utf8", field: nil),
            Case(name: "deep nesting", body: Array(#"{"event": "cancel", "properties": {"a": \#(deep)}}"#.utf8), status: 400, code: "too_deep", field: nil),
            Case(name: "properties of the wrong type", body: Array(#"{"event": "cancel", "properties": [1, 2]}"#.utf8), status: 422, code: "invalid_field", field: "properties"),
            Case(name: "event of the wrong type", body: Array(#"{"event": ["cancel"]}"#.utf8), status: 422, code: "invalid_field", field: "event"),
            Case(name: "unknown event type", body: Array(#"{"event": "unsubscribe"}"#.utf8), status: 422, code: "invalid_field", field: "event"),
            Case(name: "over-long id", body: Array(#"{"event": "cancel", "messageId": "\#(long)"}"#.utf8), status: 422, code: "invalid_field", field: "messageId"),
            Case(name: "bad timestamp", body: Array(#"{"event": "cancel", "timestamp": "2020-02-30T00:00:00Z"}"#.utf8), status: 422, code: "invalid_field", field: "timestamp"),
            Case(name: "batch with one bad event", body: Fixtures.batchBody(badBatch), status: 422, code: "invalid_field", field: "batch[3].event"),
            Case(name: "not an object", body: Array("[]".utf8), status: 422, code: "invalid_field", field: nil),
            Case(name: "oversize body", body: Array(#"{"event": "cancel", "properties": {"pad": ""#.utf8) + [UInt8](repeating: 0x61, count: 1 << 20) + Array(#""}}"#.utf8), status: 413, code: "body_too_large", field: nil),
        ]
    }()

    @Test func badBodiesAreRefusedWithTheirStatusAndNothingIsStored() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry)
        for testCase in Self.cases {
            let response = try await TestClient.ingest(server, tenant: "acme", body: testCase.body)
            #expect(response.status == testCase.status, "\(testCase.name)")
            #expect(response.header("content-type") == "application/json", "\(testCase.name)")
            #expect(response.errorCode == testCase.code, "\(testCase.name)")
            #expect(response.errorField == testCase.field, "\(testCase.name)")
            #expect(response.json?["error"]?["message"]?.stringValue?.isEmpty == false, "\(testCase.name)")
        }
        // Still serving, and only the good event that follows is stored and delivered.
        #expect(try await TestClient.send(.GET, "\(server.baseURL)/healthz").status == 200)
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .save, id: "good")).status == 202)
        #expect(try await eventually { ServerHarness.fileIDs(directory) == ["good"] })
        try await server.stop()
        // Stored once, delivered, and nothing else was stored.
        let store = try ServerHarness.store(directory)
        #expect(try await store.status(tenant: "acme", id: "good")?.destinations.map(\.state) == [.delivered])
        #expect(try await store.statistics().partitions.values.map(\.backlog).reduce(0, +) == 0)
    }
}
