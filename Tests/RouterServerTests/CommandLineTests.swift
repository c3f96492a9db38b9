import EventStoreSQLite
import Foundation
import NIOHTTP1
import RouterCore
import RouterTesting
import Signing
import Testing

/// The built `retention-router` binary, run as a user would.
@Suite(.timeLimit(.minutes(2)))
struct CommandLineTests {
    struct Run {
        let status: Int32
        let output: String
    }

    /// The package root, from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The executable built next to the test bundle.
    static func binary() throws -> String {
        var candidates: [String] = []
        if let override = ProcessInfo.processInfo.environment["RETENTION_ROUTER_BIN"] { candidates.append(override) }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((exe as NSString).deletingLastPathComponent + "/retention-router")
        }
        candidates.append(Self.packageRoot + "/.build/debug/retention-router")
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestServerError(message: "retention-router is not built; looked in \(candidates)")
        }
        return found
    }

    /// Runs the binary and waits for it on a thread of its own, never on the cooperative pool
    /// (which has a thread per core: blocking it would stall every other test in the process).
    static func run(_ arguments: [String], in directory: String, environment: [String: String] = [:], stdin: Data? = nil) async throws -> Run {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try Self.runBlocking(arguments, in: directory, environment: environment, stdin: stdin) })
            }
        }
    }

    private static func runBlocking(_ arguments: [String], in directory: String, environment: [String: String], stdin: Data?) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    @Test func validateAcceptsTheShippedConfig() async throws {
        let run = try await Self.run(["validate"], in: Self.packageRoot)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("ok: config/tenants/demo.json"))
    }

    @Test func validateAcceptsEveryShippedExampleWhenItsVariablesAreSet() async throws {
        let examples = try FileManager.default.contentsOfDirectory(atPath: Self.packageRoot + "/config/examples").filter { $0.hasSuffix(".json") }
        #expect(!examples.isEmpty)
        for example in examples {
            let path = "config/examples/" + example
            let text = try String(contentsOfFile: Self.packageRoot + "/" + path, encoding: .utf8)
            var environment: [String: String] = [:]
            for match in text.matches(of: /\{"env": "([A-Z0-9_]+)"\}/) {
                environment[String(match.1)] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
            }
            #expect(!environment.isEmpty, "\(path) should read its secrets from the environment")
            let run = try await Self.run(["validate", path], in: Self.packageRoot, environment: environment)
            #expect(run.status == 0, "\(path): \(run.output)")
            let unset = try await Self.run(["validate", path], in: Self.packageRoot, environment: environment.mapValues { _ in "" })
            #expect(unset.status == 1, "\(path) validated without its environment variables")
            #expect(unset.output.contains("is not set"))
        }
    }

    @Test func validateNamesTheFileAndJSONPathOfEveryProblem() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(#"{"listen": {"host": "127.0.0.1", "port": 8080}}"#, to: "config/router.json")
        try directory.write(
            #"""
            {"name": "acme", "ingest": {"scheme": "x-hub-signature", "secrets": ["s"]},
             "destinations": [{"id": "f", "type": "file", "settings": {"path": "out.ndjson", "maxBytes": 5}},
                              {"id": "g", "type": "fiel", "settings": {}}]}
            """#,
            to: "config/tenants/acme.json"
        )
        let run = try await Self.run(["validate"], in: directory.path)
        #expect(run.status == 1)
        #expect(run.output.contains("config/tenants/acme.json: destinations[0].settings.maxBytes: must be at least 1024 bytes"), "\(run.output)")
        #expect(run.output.contains("config/tenants/acme.json: destinations[1].type: \"fiel\" is not a destination type"), "\(run.output)")
        #expect(run.output.contains("2 problems found"))
        // One destination with three problems: all three are listed, none hides another.
        try directory.write(
            #"""
            {"name": "hooks", "ingest": {"scheme": "x-hub-signature", "secrets": ["s"]},
             "destinations": [{"id": "hook", "type": "webhook", "settings": {"url": "http://localhost/hook", "secrets": ["not-whsec"], "timout": 5}}]}
            """#,
            to: "config/tenants/hooks.json"
        )
        let every = try await Self.run(["validate", "config/tenants/hooks.json"], in: directory.path)
        #expect(every.output.contains("destinations[0].settings.timout: unknown key"), "\(every.output)")
        #expect(every.output.contains("destinations[0].settings.url:"), "\(every.output)")
        #expect(every.output.contains("destinations[0].settings.secrets[0]:"), "\(every.output)")
        let serve = try await Self.run(["serve"], in: directory.path)
        #expect(serve.status == 1)
        #expect(serve.output.contains("destinations[0].settings.maxBytes"))
        #expect(serve.output.contains("refusing to start"))
    }

    @Test func signPrintsHeadersTheServerAccepts() async throws {
        let body = Data(#"{"event":"cancel"}"#.utf8)
        let run = try await Self.run(["sign", "--secret", "It's a Secret to Everybody"], in: Self.packageRoot, stdin: Data("Hello, World!".utf8))
        #expect(run.output == "x-hub-signature: 01dc10d0c83e72ed246219cdd91669667fe2ca59\n")
        // A body from a pipe, as `--body <(jq ...)` gives it, reads the same.
        let piped = try await Self.run(
            ["sign", "--secret", "It's a Secret to Everybody", "--body", "/dev/stdin"],
            in: Self.packageRoot,
            stdin: Data("Hello, World!".utf8)
        )
        #expect(piped.output == run.output, "\(piped.output)")
        let standard = try await Self.run(
            ["sign", "--scheme", "standard-webhooks", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--id", "msg_p5jXN8AQM9LWM0D4loKWxJek", "--timestamp", "1614265330"],
            in: Self.packageRoot,
            stdin: Data(#"{"test": 2432232314}"#.utf8)
        )
        #expect(standard.output.contains("webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="))
        let bad = try await Self.run(["sign", "--scheme", "md5", "--secret", "x"], in: Self.packageRoot, stdin: body)
        #expect(bad.status != 0)
        #expect(bad.output.contains("--scheme must be one of"))
    }

    @Test func verifyReadsTheSchemeFromTheHeadersAndErrorsSayWhy() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let body = #"{"event":"cancel"}"#
        try directory.write(body, to: "body.json")
        // sign's default (the demo tenant's scheme), then verify with no --scheme: it agrees.
        let signed = try await Self.run(["sign", "--secret", "demo-secret", "--body", "body.json"], in: directory.path)
        #expect(signed.output.hasPrefix("x-hub-signature: "))
        try directory.write(signed.output, to: "headers.txt")
        let valid = try await Self.run(["verify", "--secret", "demo-secret", "--headers", "headers.txt", "--body", "body.json"], in: directory.path)
        #expect(valid.status == 0, "\(valid.output)")
        #expect(valid.output == "valid\n")
        let standard = try await Self.run(
            ["sign", "--scheme", "standard-webhooks", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--body", "body.json"],
            in: directory.path
        )
        try directory.write(standard.output, to: "standard.txt")
        let detected = try await Self.run(["verify", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--headers", "standard.txt", "--body", "body.json"], in: directory.path)
        #expect(detected.output == "valid\n", "\(detected.output)")
        // A missing file says why, with the subcommand's own usage.
        let missing = try await Self.run(["verify", "--secret", "x", "--headers", "/nonexistent/h", "--body", "body.json"], in: directory.path)
        #expect(missing.status != 0)
        #expect(missing.output.contains("cannot read --headers /nonexistent/h: no such file"))
        #expect(missing.output.contains("Usage: retention-router verify --headers"))
        #expect(!missing.output.contains("SUBCOMMANDS"))
    }

    @Test func operatorCommandsNameTheURLTheyCouldNotReach() async throws {
        let run = try await Self.run(
            ["retry-now", "--tenant", "demo", "--destination", "archive", "--url", "http://127.0.0.1:9"],
            in: Self.packageRoot,
            environment: ["ROUTER_ADMIN_TOKEN": "t"]
        )
        #expect(run.status != 0)
        #expect(run.output.contains("could not reach the router at http://127.0.0.1:9"))
        #expect(run.output.contains("--url"))
    }

    @Test func serveRunsTheShippedConfigReloadsOnSIGHUPAndStopsCleanlyOnSIGTERM() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.copyItem(atPath: Self.packageRoot + "/config", toPath: directory.appending("config"))
        let log = directory.appending("serve.log")
        try Data().write(to: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments = ["serve", "--port", "0"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let listening = /port=(\d+) \[RouterServer\] Server listening/
        let found = try await eventually {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("Server listening")
        }
        #expect(found)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        let port = try #require(text.firstMatch(of: listening).flatMap { Int($0.1) })
        let url = "http://127.0.0.1:\(port)/v1/tenants/demo/events"
        let body = Array(Fixtures.sampleEventJSON.utf8)
        let signature = try await Self.run(["sign", "--secret", "demo-secret"], in: directory.path, stdin: Data(body))
        let header = signature.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":", maxSplits: 1)
        let response = try await TestClient.send(
            .POST,
            url,
            body: body,
            headers: [(String(header[0]), String(header[1]).trimmingCharacters(in: .whitespaces))]
        )
        #expect(response.status == 202)
        #expect(try await eventually { ServerHarness.fileIDs(directory, tenant: "demo") == ["1c296cd0-509f-477e-bbc2-bd07e5b33d06"] })

        // SIGHUP reloads the tenants folder: a tenant added on disk is served without a restart.
        try directory.write(ServerHarness.fileTenant("globex"), to: "config/tenants/globex.json")
        kill(process.processIdentifier, SIGHUP)
        let globexBody = Fixtures.eventBody(type: .save, id: "after-reload")
        let key = try SigningKey(secret: "test-secret", scheme: .xHubSignature)
        let globexSignature = Signer(scheme: .xHubSignature, keys: [key]).headers(body: globexBody, id: "", timestamp: 0)
        #expect(try await eventually {
            let answer = try await TestClient.send(
                .POST,
                "http://127.0.0.1:\(port)/v1/tenants/globex/events",
                body: globexBody,
                headers: globexSignature.map { ($0.name, $0.value) }
            )
            return answer.status == 202
        })
        #expect(try await eventually { ServerHarness.fileIDs(directory, tenant: "globex") == ["after-reload"] })
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }
}
