import EventStoreSQLite
import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Testing

/// Reloading the configuration without a restart, metrics, and ingest limits.
@Suite(.timeLimit(.minutes(2)))
struct LiveConfigEndToEndTests {
    typealias Ops = OperationsEndToEndTests

    @Test func reloadAddsATenantLiveAndRefusesABrokenFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant("acme"), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: Ops.configuration, environment: Ops.environment)
        #expect(try await TestClient.ingest(server, tenant: "globex", body: Fixtures.eventBody(type: .cancel, id: "g0")).status == 404)

        try directory.write(ServerHarness.fileTenant("globex"), to: "config/tenants/globex.json")
        let reload = try await Ops.admin(.POST, server, "/v1/admin/reload")
        #expect(reload.status == 200)
        #expect(reload.json?["tenants"] == ["acme", "globex"])
        #expect(reload.json?["destinations"]?["added"] == ["globex/archive"])
        #expect(try await TestClient.ingest(server, tenant: "globex", body: Fixtures.eventBody(type: .cancel, id: "g1")).status == 202)
        #expect(try await eventually { ServerHarness.fileIDs(directory, tenant: "globex") == ["g1"] })

        try directory.write(#"{"name": "broken", "ingest": {"scheme": "md5"}}"#, to: "config/tenants/broken.json")
        let refused = try await Ops.admin(.POST, server, "/v1/admin/reload")
        #expect(refused.status == 422)
        #expect(refused.errorCode == "invalid_config")
        let paths = refused.json?["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []
        #expect(paths.contains("ingest.scheme"))
        #expect(paths.contains("destinations"))
        // The running configuration stays.
        #expect(try await TestClient.ingest(server, tenant: "globex", body: Fixtures.eventBody(type: .cancel, id: "g2")).status == 202)
        #expect(try await eventually { ServerHarness.fileIDs(directory, tenant: "globex") == ["g1", "g2"] })
        try await server.stop()
    }

    @Test func putTenantValidatesWritesAndAppliesChanges() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let name = "put-\(UUID().uuidString)"
        try directory.write(ServerHarness.fileTenant("acme"), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: Ops.configuration, environment: Ops.environment)

        let bad = try await TestClient.send(
            .PUT,
            server.baseURL + "/v1/admin/tenants/acme",
            body: Array(#"{"name": "acme", "ingest": {"scheme": "x-hub-signature", "secrets": ["s"]}, "destinations": [{"id": "x", "type": "file", "settings": {"path": "a", "maxBytes": 1}}]}"#.utf8),
            headers: [("authorization", "Bearer \(Ops.token)")]
        )
        #expect(bad.status == 422)
        #expect(bad.json?["errors"]?.arrayValue?.first?["path"] == "destinations[0].settings.maxBytes")

        // A destination that always fails, so the file sink's removal leaves a backlog behind.
        let replaced = Ops.tenant(recorder: name, failures: 1_000_000, failure: "retry")
        let put = try await TestClient.send(.PUT, server.baseURL + "/v1/admin/tenants/acme", body: Array(replaced.utf8), headers: [("authorization", "Bearer \(Ops.token)")])
        #expect(put.status == 200)
        #expect(put.json?["destinations"]?["added"] == ["acme/scripted"])
        #expect(put.json?["destinations"]?["unchanged"] == ["acme/archive"])
        #expect(try String(contentsOfFile: directory.appending("config/tenants/acme.json"), encoding: .utf8) == replaced)
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .chat, id: "p1")).status == 202)
        #expect(try await eventually { ServerHarness.fileIDs(directory) == ["p1"] })
        #expect(try await eventually {
            try await Ops.admin(.GET, server, "/v1/tenants/acme/events/p1").json?["destinations"]?.arrayValue?.last?["state"] == "retrying"
        })

        let onlyFile = ServerHarness.fileTenant("acme")
        let removed = try await TestClient.send(.PUT, server.baseURL + "/v1/admin/tenants/acme", body: Array(onlyFile.utf8), headers: [("authorization", "Bearer \(Ops.token)")])
        #expect(removed.json?["destinations"]?["removed"] == ["acme/scripted"])
        #expect(removed.json?["removedBacklog"]?["acme/scripted"] == 1)
        let status = try await Ops.admin(.GET, server, "/v1/tenants/acme/events/p1")
        #expect(status.json?["destinations"]?.arrayValue?.last?["state"] == "retrying")
        try await server.stop()
    }

    /// Issue #14 item 8: a tenant whose file destination writes another tenant's file is
    /// refused by PUT (and not written) and by a reload.
    @Test func aFileSharedAcrossTenantsIsRefusedByPutAndReload() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant("acme"), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: Ops.configuration, environment: Ops.environment)
        let globex = Fixtures.tenantJSON(
            name: "globex",
            destinations: [["id": "copy", "type": "file", "settings": ["path": "data/acme/events.ndjson"]]]
        )
        let put = try await TestClient.send(
            .PUT,
            server.baseURL + "/v1/admin/tenants/globex",
            body: Array(globex.utf8),
            headers: [("authorization", "Bearer \(Ops.token)")]
        )
        #expect(put.status == 422)
        let error = put.json?["errors"]?.arrayValue?.first
        #expect(error?["path"] == "destinations[0].settings.path")
        #expect(error?["message"]?.stringValue?.contains("destination \"archive\" of tenant acme") == true)
        #expect(!FileManager.default.fileExists(atPath: directory.appending("config/tenants/globex.json")))
        #expect(try await Ops.admin(.POST, server, "/v1/admin/reload").status == 200)

        try directory.write(globex, to: "config/tenants/globex.json")
        let reload = try await Ops.admin(.POST, server, "/v1/admin/reload")
        #expect(reload.status == 422)
        #expect(reload.json?["errors"]?.arrayValue?.first?["file"]?.stringValue?.hasSuffix("globex.json") == true)
        try await server.stop()
    }

    @Test func metricsMoveAsEventsFlow() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(ServerHarness.fileTenant("acme"), to: "config/tenants/acme.json")
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: Ops.configuration, environment: Ops.environment)
        for index in 0..<3 {
            #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "m\(index)")).status == 202)
        }
        #expect(try await TestClient.ingest(server, tenant: "acme", body: Array("{".utf8)).status == 400)
        #expect(try await eventually { ServerHarness.fileIDs(directory).count == 3 })
        // The file is written before the delivery is committed; wait for the commit too.
        #expect(try await eventually {
            let scrape = String(decoding: try await TestClient.send(.GET, server.baseURL + "/metrics").body, as: UTF8.self)
            return scrape.contains(#"router_delivery_events_total{tenant="acme",destination="archive",outcome="delivered"} 3"#)
        })
        let metrics = try await TestClient.send(.GET, server.baseURL + "/metrics")
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(metrics.header("content-type")?.hasPrefix("text/plain") == true)
        #expect(text.contains(#"router_events_ingested_total{tenant="acme"} 3"#), "\(text)")
        #expect(text.contains(#"router_events_rejected_total{tenant="acme",reason="malformed_json"} 1"#))
        #expect(text.contains(#"router_delivery_events_total{tenant="acme",destination="archive",outcome="delivered"} 3"#))
        #expect(text.contains(#"router_backlog_events{tenant="acme",destination="archive"} 0"#), "\(text)")
        #expect(text.contains("router_store_bytes "))
        #expect(text.contains("router_delivery_duration_seconds_bucket"))
        let names = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { $0.prefix { $0 != "{" && $0 != " " } }
        #expect(names.allSatisfy { $0.hasPrefix("router_") }, "\(Set(names))")
        // The registry (histograms) and the series table (counters, gauges) write one family each.
        let typeLines = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        let declared: [String] = typeLines.map { String($0.split(separator: " ")[2]) }
        #expect(declared.count == Set(declared).count, "\(declared)")
        var known: Set<String> = []
        for name in declared {
            known.formUnion([name, name + "_bucket", name + "_sum", name + "_count"])
        }
        let undeclared: [String] = names.map(String.init).filter { !known.contains($0) }
        #expect(undeclared.isEmpty, "\(undeclared)")
        try await server.stop()
    }

    @Test func aFullBacklogAnswers503AndARateLimitAnswers429() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let name = "backlog-\(UUID().uuidString)"
        try directory.write(
            Fixtures.tenantJSON(name: "acme", destinations: [["id": "stuck", "type": "scripted", "settings": ["name": .string(name), "failures": 1_000_000]]]),
            to: "config/tenants/acme.json"
        )
        let limited: JSONValue = [
            "name": "slow", "ingest": ["scheme": "x-hub-signature", "secrets": ["test-secret"]],
            // A token every ten seconds: the third request is over the limit however slowly
            // a loaded machine sends the three (at 1/s, one that took a second was admitted).
            "rateLimit": ["eventsPerSecond": 0.1, "burst": 2], "destinations": [],
        ]
        try directory.write(String(decoding: JSONWriter.serialize(limited), as: UTF8.self), to: "config/tenants/slow.json")
        var configuration = Ops.configuration
        configuration.maxBacklogEventsPerTenant = 2
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry, configuration: configuration, environment: Ops.environment)
        for id in ["b1", "b2"] {
            #expect(try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: id)).status == 202)
        }
        _ = try await TestClient.send(.GET, server.baseURL + "/metrics")  // refreshes the statistics at once
        let full = try await TestClient.ingest(server, tenant: "acme", body: Fixtures.eventBody(type: .cancel, id: "b3"))
        #expect(full.status == 503)
        #expect(full.errorCode == "backlog_full")
        #expect(full.header("retry-after") == "30")

        #expect(try await TestClient.ingest(server, tenant: "slow", body: Fixtures.eventBody(type: .save, id: "s1")).status == 202)
        #expect(try await TestClient.ingest(server, tenant: "slow", body: Fixtures.eventBody(type: .save, id: "s2")).status == 202)
        let limitedResponse = try await TestClient.ingest(server, tenant: "slow", body: Fixtures.eventBody(type: .save, id: "s3"))
        #expect(limitedResponse.status == 429)
        #expect(limitedResponse.errorCode == "rate_limited")
        #expect((1...10).contains(Int(limitedResponse.header("retry-after") ?? "") ?? 0), "the wait for the next token, in whole seconds")
        let tooBig = try await TestClient.ingest(
            server,
            tenant: "slow",
            body: Fixtures.batchBody((0..<3).map { Fixtures.event(type: .save, id: "big-\($0)") })
        )
        #expect(tooBig.status == 422)
        #expect(tooBig.errorCode == "batch_over_burst")
        try await server.stop()
    }
}
