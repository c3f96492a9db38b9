import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RouterCore

/// `retention-router dead-letters list|replay`: the dead-letter API from a terminal.
struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "List or replay a tenant's dead letters on a running server.",
        subcommands: [List.self, Replay.self]
    )

    /// Where the server is and how to authenticate.
    struct ServerOptions: ParsableArguments {
        @Option(name: .long, help: "The server's base URL.")
        var url = "http://127.0.0.1:8080"

        @Option(name: .long, help: "The environment variable holding the admin token.")
        var tokenEnv = "ROUTER_ADMIN_TOKEN"

        @Option(name: .long, help: "The tenant.")
        var tenant: String

        func send(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> (Int, JSONValue?) {
            guard let token = ProcessInfo.processInfo.environment[self.tokenEnv], !token.isEmpty else {
                throw ValidationError("the environment variable \(self.tokenEnv) (the admin token) is not set")
            }
            var request = HTTPClientRequest(url: self.url + path)
            request.method = method
            request.headers.add(name: "authorization", value: "Bearer \(token)")
            if let body {
                request.headers.add(name: "content-type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: JSONWriter.serialize(body)))
            }
            // A refused connection fails at once instead of being retried until the deadline. A
            // replay of millions answers only when done (minutes on PostgreSQL, which rests
            // between steps), so the answer may take up to an hour.
            let wait: TimeAmount = method == .POST ? .hours(1) : .seconds(30)
            var configuration = HTTPClient.Configuration()
            configuration.timeout = .init(connect: .seconds(5), read: wait)
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            let response: HTTPClientResponse
            let bytes: ByteBuffer
            do {
                response = try await client.execute(request, timeout: wait)
                bytes = try await response.body.collect(upTo: 64 << 20)
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw ValidationError("could not reach the router at \(self.url) (\(error)); is it running? Pass its address with --url")
            }
            return (Int(response.status.code), try? JSONParser.parse(bytes.readableBytesView))
        }

        static func fail(_ status: Int, _ body: JSONValue?) -> any Error {
            let message = body?["error"]?["message"]?.stringValue ?? "the server answered HTTP \(status)"
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            return ExitCode(1)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead letters, newest first.")

        @OptionGroup var server: ServerOptions

        @Option(name: .long, help: "Only this destination.")
        var destination: String?

        @Option(name: .long, help: "Only those parked at or after this ISO-8601 time.")
        var since: String?

        @Option(name: .long, help: "At most this many (1-1000).")
        var limit = 100

        @Flag(name: .long, help: "Print the raw JSON answer.")
        var json = false

        func run() async throws {

            try await Self.reportingUsage { try await self.perform() }

        }


        private func perform() async throws {
            var query = ["limit=\(self.limit)"]
            if let destination = self.destination { query.append("destination=\(Self.escape(destination))") }
            if let since = self.since { query.append("since=\(Self.escape(since))") }
            let (status, body) = try await self.server.send(.GET, "/v1/tenants/\(self.server.tenant)/dead-letters?" + query.joined(separator: "&"))
            guard status == 200, let body else { throw ServerOptions.fail(status, body) }
            if self.json {
                print(String(decoding: JSONWriter.serialize(body), as: UTF8.self))
                return
            }
            let records = body["deadLetters"]?.arrayValue ?? []
            for record in records {
                let fields = [
                    record["failedAt"]?.stringValue ?? "",
                    record["destination"]?.stringValue ?? "",
                    record["id"]?.stringValue ?? "",
                    record["reason"]?["code"]?.stringValue ?? "",
                    record["reason"]?["message"]?.stringValue ?? "",
                ]
                print(fields.joined(separator: "\t"))
            }
            print("\(records.count) dead letter\(records.count == 1 ? "" : "s")\(body["next"] != nil ? " (more: raise --limit or use the API's cursor)" : "")")
        }

        private static func escape(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send dead letters again, with their original ids.",
            discussion: "Give --id (repeatable), or --destination with --since or --all."
        )

        @OptionGroup var server: ServerOptions

        @Option(name: .long, help: "An event id to replay (repeatable).")
        var id: [String] = []

        @Option(name: .long, help: "Only at this destination; with --since or --all, every dead letter of it.")
        var destination: String?

        @Option(name: .long, help: "With --destination: those parked at or after this ISO-8601 time.")
        var since: String?

        @Flag(name: .long, help: "With --destination: all of its dead letters.")
        var all = false

        func run() async throws {

            try await Self.reportingUsage { try await self.perform() }

        }


        private func perform() async throws {
            var body: [String: JSONValue] = [:]
            if let destination = self.destination { body["destination"] = .string(destination) }
            if !self.id.isEmpty {
                body["ids"] = .array(self.id.map { .string($0) })
            } else if self.destination != nil, let since = self.since {
                body["since"] = .string(since)
            } else if self.destination != nil, self.all {
                body["all"] = true
            } else {
                throw ValidationError("give --id, or --destination with --since or --all")
            }
            let (status, answer) = try await self.server.send(.POST, "/v1/tenants/\(self.server.tenant)/dead-letters/replay", body: .object(body))
            guard status == 200, let answer else { throw ServerOptions.fail(status, answer) }
            print("replayed \(answer["replayed"].map { "\($0.description)" } ?? "0")")
            if let missing = answer["notFound"]?.arrayValue, !missing.isEmpty {
                print("not dead letters: \(missing.compactMap(\.stringValue).joined(separator: ", "))")
            }
        }
    }
}
