import Foundation
import NIOHTTP1
import RouterCore
import RouterServer
import RouterTesting
import Testing

/// The OpenAPI document served at `/openapi.json` against the server's route table, both ways.
@Suite(.timeLimit(.minutes(2)))
struct OpenAPIDocumentTests {
    /// The console's HTML pages are a browser view over the JSON routes, not part of the contract.
    static let undocumentedPrefix = "/console"
    static let methods = ["get", "put", "post", "delete", "patch", "head", "options"]

    /// Every path + method of the document.
    static func operations(_ document: JSONValue) throws -> Set<RouteSignature> {
        let paths = try #require(document["paths"]?.objectValue)
        var operations: Set<RouteSignature> = []
        for (path, item) in paths {
            for method in Self.methods where item[method] != nil {
                operations.insert(RouteSignature(method: method, path: path))
            }
        }
        return operations
    }

    @Test func theDocumentAndTheRouteTableNameTheSameRoutes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry)
        // Served without a token.
        let response = try await TestClient.send(.GET, "\(server.baseURL)/openapi.json")
        try await server.stop()
        #expect(response.status == 200)
        #expect(response.header("content-type") == "application/json")
        let document = try #require(response.json)
        #expect(document["openapi"]?.stringValue == "3.1.0")
        let documented = try Self.operations(document)
        let served = Set(server.routes.filter { !$0.path.hasPrefix(Self.undocumentedPrefix) })
        #expect(served.count > 10)
        let missing = served.subtracting(documented).sorted().map(\.description)
        let stale = documented.subtracting(served).sorted().map(\.description)
        #expect(missing.isEmpty, "routes the server answers that openapi.json lacks (add them to Sources/RouterServer/OpenAPI/OpenAPIDocument.swift): \(missing)")
        #expect(stale.isEmpty, "paths in openapi.json that no route serves: \(stale)")
    }

    @Test func everyReferenceResolvesAndEveryOperationHasAnIDAndResponses() throws {
        let document = try JSONParser.parse(Array(OpenAPIDocument.json.utf8))
        var unresolved: [String] = []
        func visit(_ value: JSONValue) {
            switch value {
            case .object(let members):
                if case .string(let reference)? = members["$ref"] {
                    var target: JSONValue? = document
                    for part in reference.dropFirst(2).split(separator: "/") { target = target?[String(part)] }
                    if target == nil { unresolved.append(reference) }
                }
                members.values.forEach(visit)
            case .array(let items): items.forEach(visit)
            default: break
            }
        }
        visit(document)
        #expect(unresolved.isEmpty, "\(unresolved)")
        var operationIDs: [String] = []
        for (path, item) in try #require(document["paths"]?.objectValue) {
            for method in Self.methods {
                guard let operation = item[method] else { continue }
                let id = try #require(operation["operationId"]?.stringValue, "\(method) \(path) has no operationId")
                operationIDs.append(id)
                #expect(operation["responses"]?.objectValue?.isEmpty == false, "\(method) \(path) lists no responses")
            }
        }
        #expect(Set(operationIDs).count == operationIDs.count, "operationIds must be unique")
    }
}
