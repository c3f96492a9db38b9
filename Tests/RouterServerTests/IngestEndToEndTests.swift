import EventStoreSQLite
import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Signing
import Testing

/// The real server on a loopback port, the file sink, and signed requests over HTTP.
@Suite(.timeLimit(.minutes(2)))
struct IngestEndToEndTests {
    @Test func allTenEventTypesAreSignedAcceptedAndWrittenToTheFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry)
        var ids: [String] = []
        for type in RetentionEventType.allCases {
            let id = "\(type.rawValue)-\(UUID().uuidString)"
            let response = try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: type, id: id))
            #expect(response.status == 202)
            #expect(response.json?["accepted"] == 1)
            #expect(response.json?["ids"] == [.string(id)])
            ids.append(id)
        }
        let expected = ids
        #expect(try await eventually { ServerHarness.fileIDs(directory) == expected })
        let line = try String(contentsOfFile: directory.appending("data/acme/events.ndjson"), encoding: .utf8).split(separator: "\n")[8]
        let written = try JSONParser.parse(Array(line.utf8))
        #expect(written["type"] == "accept_offer")
        #expect(written["tenant"] == "acme")
        #expect(written["occurred_at"] == "2020-11-06T00:53:10.886Z")
        #expect(written["properties"] == .object(Fixtures.sampleProperties))
        try await server.stop()
    }

    @Test func aBatchIsAcceptedWholeAndDeliveredInOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry)
        let ids = (0..<100).map { "batch-\($0)" }
        let body = Fixtures.batchBody(ids.map { Fixtures.event(type: .cancel, id: $0) })
        let response = try await TestClient.ingest(server, tenant: "acme", body: body)
        #expect(response.status == 202)
        #expect(response.json?["accepted"] == 100)
        #expect(try await eventually { ServerHarness.fileIDs(directory) == ids })
        try await server.stop()
    }

    @Test func aResentIDIsAcknowledgedButNotRoutedTwice() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry)
        let body = Fixtures.eventBody(type: .save, id: "same-id")
        #expect(try await TestClient.ingest(server, tenant: "acme", body: body).status == 202)
        let again = try await TestClient.ingest(server, tenant: "acme", body: body)
        #expect(again.status == 202)
        #expect(again.json?["duplicates"] == 1)
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .save, id: "marker")).status == 202)
        #expect(try await eventually { ServerHarness.fileIDs(directory) == ["same-id", "marker"] })
        try await server.stop()
    }

    @Test func aWrongSignatureIs401AndStoresNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry)
        let body = Fixtures.eventBody(type: .cancel, id: "forged")
        let forged = try await TestClient.ingest(server, tenant: "acme", body: body, secret: "wrong-secret")
        #expect(forged.status == 401)
        #expect(forged.errorCode == "signature_mismatch")
        #expect(forged.errorField == "x-hub-signature")
        let unsigned = try await TestClient.send(.POST, "\(server.baseURL)/v1/tenants/acme/events", body: body)
        #expect(unsigned.status == 401)
        #expect(unsigned.errorCode == "missing_signature")
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "genuine")).status == 202)
        #expect(try await eventually { ServerHarness.fileIDs(directory) == ["genuine"] })
        try await server.stop()
        // Stored once, delivered, and nothing else was stored.
        let store = try ServerHarness.store(directory)
        #expect(try await store.status(tenant: "acme", id: "genuine")?.destinations.map(\.state) == [.delivered])
        #expect(try await store.statistics().partitions.values.map(\.backlog).reduce(0, +) == 0)
    }

    @Test func anUnknownTenantIs404() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant(), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry)
        let response = try await TestClient.ingest(server, tenant: "globex", body: Fixtures.eventBody(type: .cancel, id: "x"))
        #expect(response.status == 404)
        #expect(response.errorCode == "unknown_tenant")
        let health = try await TestClient.send(.GET, "\(server.baseURL)/healthz")
        #expect(health.status == 200)
        try await server.stop()
    }

    @Test func standardWebhooksIngestChecksTheTimestamp() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        try directory.write(ServerHarness.fileTenant(scheme: "standard-webhooks", secret: secret), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry)
        let body = Fixtures.eventBody(type: .chat, id: "sw-1")
        #expect(try await TestClient.ingest(server, tenant: "acme", body: body, secret: secret, scheme: .standardWebhooks).status == 202)
        let key = try SigningKey(secret: secret, scheme: .standardWebhooks)
        let stale = Signer(scheme: .standardWebhooks, keys: [key]).headers(body: body, id: "m", timestamp: Timestamp.now().secondsSince1970 - 600)
        let response = try await TestClient.send(.POST, "\(server.baseURL)/v1/tenants/acme/events", body: body, headers: stale.map { ($0.name, $0.value) })
        #expect(response.status == 401)
        #expect(response.errorCode == "stale_timestamp")
        #expect(try await eventually { ServerHarness.fileIDs(directory) == ["sw-1"] })
        try await server.stop()
    }
}
