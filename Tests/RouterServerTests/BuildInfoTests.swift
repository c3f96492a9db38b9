import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Testing

/// The version and commit a build reports: `--version`, `/healthz` and `router_build_info`.
@Suite(.timeLimit(.minutes(2)))
struct BuildInfoTests {
    @Test func healthAndMetricsNameTheVersionAndCommit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await TestServer(directory: directory, registry: ServerHarness.registry)
        let health = try await TestClient.send(.GET, "\(server.baseURL)/healthz")
        let metrics = try await TestClient.send(.GET, "\(server.baseURL)/metrics")
        try await server.stop()
        #expect(health.json == ["status": "ok", "version": .string(RouterIdentity.version), "commit": .string(RouterIdentity.commit)])
        let text = String(decoding: metrics.body, as: UTF8.self)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("router_build_info{") })
        #expect(line.contains("version=\"\(RouterIdentity.version)\""))
        #expect(line.contains("commit=\"\(RouterIdentity.commit)\""))
        #expect(line.hasSuffix(" 1") || line.hasSuffix(" 1.0"))
    }

    @Test func versionFlagPrintsTheVersionAndCommit() async throws {
        let run = try await CommandLineTests.run(["--version"], in: NSTemporaryDirectory())
        #expect(run.status == 0)
        #expect(run.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(RouterIdentity.version) (commit \(RouterIdentity.commit))")
        #expect(!RouterIdentity.commit.isEmpty)
    }
}
