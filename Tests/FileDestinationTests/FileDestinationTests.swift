import AsyncHTTPClient
import FileDestination
import Foundation
import Logging
import NIOPosix
import RouterCore
import RouterTesting
import Testing

@Suite(.timeLimit(.minutes(2)))
struct FileDestinationTests {
    private func routed(_ id: String, type: RetentionEventType = .cancel) -> RoutedEvent {
        let stored = Fixtures.storedEvent(type: type, id: id, sequence: 1)
        return RoutedEvent(event: stored.event, sequence: stored.sequence, attempt: 1)
    }

    private func lines(_ path: String) throws -> [JSONValue] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
    }

    @Test func appendsOneNDJSONObjectPerEventWithTheDocumentedFields() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let destination = FileDestination(path: directory.appending("nested/out.ndjson"), maxBytes: nil)
        let outcomes = await destination.deliver([self.routed("a"), self.routed("b", type: .save)])
        #expect(outcomes == [.delivered, .delivered])
        _ = await destination.deliver([self.routed("c")])
        let lines = try self.lines(directory.appending("nested/out.ndjson"))
        #expect(lines.count == 3)
        let first = try #require(lines.first?.objectValue)
        #expect(Set(first.keys) == ["id", "type", "tenant", "occurred_at", "received_at", "properties"])
        #expect(first["id"] == "a")
        #expect(first["type"] == "cancel")
        #expect(first["tenant"] == "acme")
        #expect(first["occurred_at"] == "2020-11-06T00:53:10.886Z")
        #expect(first["properties"] == .object(Fixtures.sampleProperties))
        #expect(lines.map { $0["id"] } == ["a", "b", "c"])
    }

    @Test func conformsToTheDestinationContract() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let destination = FileDestination(path: directory.appending("c.ndjson"), maxBytes: nil)
        #expect(await DestinationConformance.problems(of: destination, delivering: [self.routed("a"), self.routed("b")]) == [])
    }

    @Test func rotatesBySizeIntoNumberedFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("events.ndjson")
        let destination = FileDestination(path: path, maxBytes: 4096)
        for index in 0..<5 {
            _ = await destination.deliver([self.routed("e\(index)")])
        }
        // Each line is about 2.5 KB, so every write after the first rotates.
        #expect(try self.lines(path).map { $0["id"] } == ["e4"])
        #expect(try self.lines(path + ".1").map { $0["id"] } == ["e3"])
        #expect(try self.lines(path + ".4").map { $0["id"] } == ["e0"])
        #expect(!FileManager.default.fileExists(atPath: path + ".5"))
    }

    @Test func aLineTornByACrashIsCutBeforeTheNextWrite() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("torn.ndjson")
        let destination = FileDestination(path: path, maxBytes: nil)
        _ = await destination.deliver([self.routed("whole")])
        // What a kill -9 in the middle of the next write leaves behind.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"id":"half","type":"canc"#.utf8))
        try handle.close()
        _ = await destination.deliver([self.routed("half")])
        #expect(try self.lines(path).map { $0["id"] } == ["whole", "half"])
    }

    @Test func anUnwritablePathIsRetriedNotLost() async throws {
        let destination = FileDestination(path: "/proc/forbidden/out.ndjson", maxBytes: nil)
        let outcomes = await destination.deliver([self.routed("a")])
        guard case .retry(_, let reason)? = outcomes.first else {
            Issue.record("expected a retry, got \(outcomes)")
            return
        }
        #expect(reason.code == "file_write_failed")
        #expect(reason.message.contains("/proc/forbidden"))
    }

    @Test func settingsAreValidatedAndTheTenantIsSubstituted() throws {
        var registry = DestinationRegistry()
        registry.register(FileDestinationFactory.self)
        let context = DestinationContext(
            tenant: "acme", destinationID: "f", logger: Logger(label: "test"), httpClient: .shared, threadPool: .singleton,
            baseDirectory: "/srv/router", dataDirectory: "/srv/router/data", allowPrivateAddresses: false
        )
        let built = try registry.build(type: "file", settings: ["path": "data/{tenant}/events.ndjson"], environment: [:], context: context)
        #expect((built as? FileDestination)?.path == "/srv/router/data/acme/events.ndjson")
        #expect(throws: SettingsErrors.self) {
            try registry.build(type: "file", settings: ["path": "x", "maxbytes": 10], environment: [:], context: context)
        }
        #expect(throws: SettingsErrors.self) {
            try registry.build(type: "file", settings: ["path": "x", "maxBytes": 10], environment: [:], context: context)
        }
        #expect(throws: SettingsErrors.self) {
            try registry.build(type: "file", settings: [:], environment: [:], context: context)
        }
    }
}
