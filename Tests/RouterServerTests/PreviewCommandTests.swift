import Foundation
import RouterCore
import RouterTesting
import Testing

/// `retention-router preview` on the seed sample through the shipped transforms example, compared
/// with golden files in `Golden/` (run with `UPDATE_GOLDEN=1` to rewrite them after a deliberate
/// change, then read the diff).
@Suite(.timeLimit(.minutes(2)))
struct PreviewCommandTests {
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path
    static let environment = [
        "ACME_INGEST_SECRET": "ingest-secret",
        "ACME_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "ACME_WAREHOUSE_SECRET": "whsec_" + "d2FyZWhvdXNlLXNlY3JldC0zMi1ieXRlcy1sb25nISE=",
        "ACME_SEGMENT_WRITE_KEY": "segment-write-key-never-printed",
    ]

    /// A folder with the shipped router.json, the transforms example as tenant `acme`, and the
    /// sample event as it is, as a cancel, and as a cancel on the free plan.
    static func workspace() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let root = CommandLineTests.packageRoot
        try directory.write(try String(contentsOfFile: root + "/config/router.json", encoding: .utf8), to: "config/router.json")
        try directory.write(try String(contentsOfFile: root + "/config/examples/transforms.json", encoding: .utf8), to: "config/tenants/acme.json")
        let sample = try String(contentsOfFile: root + "/scripts/sample-event.json", encoding: .utf8)
        try directory.write(sample, to: "sample.json")
        let cancel = sample.replacingOccurrences(of: #""event": "accept_offer""#, with: #""event": "cancel""#)
        try directory.write(cancel, to: "cancel.json")
        try directory.write(cancel.replacingOccurrences(of: #""field.cancel.account.plan": "Premium""#, with: #""field.cancel.account.plan": "Free""#), to: "cancel-free.json")
        return directory
    }

    static func preview(_ destination: String, _ event: String, in directory: TemporaryDirectory, json: Bool = false) async throws -> CommandLineTests.Run {
        try await CommandLineTests.run(
            ["preview", "--tenant", "acme", "--destination", destination, "--at", "2026-01-01T00:00:00Z", event] + (json ? ["--json"] : []),
            in: directory.path,
            environment: Self.environment
        )
    }

    static func compare(_ output: String, golden name: String, directory: TemporaryDirectory) throws {
        // The version and the temporary folder are the only parts that vary between runs.
        let stable = output.replacingOccurrences(of: RouterIdentity.version, with: "{version}").replacingOccurrences(of: directory.path, with: "{dir}")
        let path = Self.goldenDirectory + "/" + name
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(atPath: Self.goldenDirectory, withIntermediateDirectories: true)
            try stable.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOfFile: path, encoding: .utf8)
        #expect(stable == golden, "preview differs from \(name); if the change is deliberate, rerun with UPDATE_GOLDEN=1 and read the diff")
    }

    @Test(arguments: [
        ("crm", "cancel.json", "preview-crm-cancel.txt"),
        ("crm", "cancel-free.json", "preview-crm-free.txt"),
        ("crm", "sample.json", "preview-crm-accept-offer.txt"),
        ("warehouse", "sample.json", "preview-warehouse.txt"),
        ("segment", "sample.json", "preview-segment.txt"),
        ("archive", "sample.json", "preview-archive.txt"),
    ])
    func previewOfTheSampleMatchesItsGoldenFile(destination: String, event: String, golden: String) async throws {
        let directory = try Self.workspace()
        defer { directory.remove() }
        let run = try await Self.preview(destination, event, in: directory)
        #expect(run.status == 0, "\(run.output)")
        #expect(!run.output.contains("segment-write-key-never-printed"))
        try Self.compare(run.output, golden: golden, directory: directory)
    }

    @Test func theJSONReportCarriesTheExactBody() async throws {
        let directory = try Self.workspace()
        defer { directory.remove() }
        let run = try await Self.preview("warehouse", "sample.json", in: directory, json: true)
        #expect(run.status == 0, "\(run.output)")
        let report = try JSONParser.parse(Array(run.output.utf8))
        let body = try #require(report["requests"]?.arrayValue?.first?["body"]?.stringValue)
        let data = try #require(try JSONParser.parse(Array(body.utf8))["data"]?.objectValue)
        #expect(data["field.cancel.email"] == nil)
        #expect(data["field.standard.Owner Email"] == nil)
        #expect(data["survey.feedback"] == nil)
        #expect(data["survey.brightback_reason"] == "too_expensive")
        #expect(report["at"] == "2026-01-01T00:00:00.000Z")
    }

    @Test func mistakesAreNamedWithoutAUsageDump() async throws {
        let directory = try Self.workspace()
        defer { directory.remove() }
        let unknown = try await Self.preview("nope", "sample.json", in: directory)
        #expect(unknown.status == 1)
        #expect(unknown.output.contains("tenant acme has no destination \"nope\"; it has crm, warehouse, segment, archive"))
        try directory.write(#"{"event": "explode", "properties": {}}"#, to: "bad.json")
        let bad = try await Self.preview("crm", "bad.json", in: directory)
        #expect(bad.status == 1)
        #expect(bad.output.contains("bad.json: event:"), "\(bad.output)")
        let missing = try await Self.preview("crm", "missing.json", in: directory)
        #expect(missing.output.contains("cannot read EVENT missing.json: no such file"), "\(missing.output)")
    }
}
