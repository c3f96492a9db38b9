import AsyncHTTPClient
import Foundation
import Logging
import NIOPosix
import RouterCore
import RouterTesting
import Synchronization
import Testing

/// Loading a tenants folder at scale: files in order whatever the parallelism, settings shared
/// by a template decoded once, and a reload rebuilding only the files that changed.
struct TenantDirectoryLoadTests {
    /// Counts how often its settings are decoded and its destinations made, per test (by `run`).
    struct CountingFactory: DestinationFactory {
        static let decodes = Mutex<[String: Int]>([:])
        static let makes = Mutex<[String: Int]>([:])

        struct Settings: Decodable, Sendable {
            let run: String
            enum CodingKeys: String, CodingKey, CaseIterable { case run }

            init(from decoder: any Decoder) throws {
                try decoder.rejectUnknownKeys(CodingKeys.self)
                let container = try decoder.container(keyedBy: CodingKeys.self)
                self.run = try container.decode(String.self, forKey: .run)
                CountingFactory.decodes.withLock { $0[self.run, default: 0] += 1 }
            }
        }

        static let type = "counting"

        static func make(_ settings: Settings, context: DestinationContext) throws -> any Destination {
            Self.makes.withLock { $0[settings.run, default: 0] += 1 }
            return Accepting()
        }
    }

    /// Takes every event.
    struct Accepting: Destination {
        var batchLimits: BatchLimits { BatchLimits(maxEvents: 10) }
        func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] { batch.map { _ in .delivered } }
    }

    private func loader(cache: TenantFileCache? = nil) -> TenantLoader {
        var registry = DestinationRegistry()
        registry.register(CountingFactory.self)
        var loader = TenantLoader(registry: registry, environment: [:]) { tenant, destination in
            DestinationContext(
                tenant: tenant,
                destinationID: destination,
                logger: Logger(label: "test"),
                httpClient: .shared,
                threadPool: .singleton,
                baseDirectory: "/tmp",
                dataDirectory: "/tmp",
                allowPrivateAddresses: true
            )
        }
        loader.cache = cache
        return loader
    }

    private func tenant(_ name: String, run: String, extra: String = "") -> String {
        Fixtures.tenantJSON(name: name, destinations: [["id": "c", "type": "counting", "settings": ["run": .string(run)]]])
            .replacingOccurrences(of: "\"run\"", with: "\(extra)\"run\"")
    }

    @Test func aTemplateIsDecodedOnceAndEveryTenantIsBuiltInFileOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let run = UUID().uuidString
        for index in 0..<200 {
            _ = try directory.write(self.tenant(String(format: "t%03d", index), run: run), to: String(format: "t%03d.json", index))
        }
        let loaded = self.loader().loadDirectory(directory.path)
        #expect(loaded.errors.isEmpty)
        #expect(loaded.tenants.map(\.name) == (0..<200).map { String(format: "t%03d", $0) })
        #expect(CountingFactory.decodes.withLock { $0[run] } == 1)
        #expect(CountingFactory.makes.withLock { $0[run] } == 200)
    }

    @Test func aTemplateWithAProblemReportsItForEveryTenant() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let run = UUID().uuidString
        for index in 0..<50 {
            _ = try directory.write(self.tenant("t\(index)", run: run, extra: "\"color\": 1, "), to: "t\(index).json")
        }
        let loaded = self.loader().loadDirectory(directory.path)
        #expect(loaded.tenants.isEmpty)
        #expect(loaded.errors.count == 50)
        #expect(loaded.errors.allSatisfy { $0.path == "destinations[0].settings.color" })
    }

    @Test func aReloadRebuildsOnlyTheFilesThatChanged() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let run = UUID().uuidString
        let changed = UUID().uuidString
        for index in 0..<100 {
            _ = try directory.write(self.tenant("t\(index)", run: run), to: "t\(index).json")
        }
        let loader = self.loader(cache: TenantFileCache())
        #expect(loader.loadDirectory(directory.path).tenants.count == 100)
        #expect(CountingFactory.makes.withLock { $0[run] } == 100)
        _ = try directory.write(self.tenant("t7", run: changed), to: "t7.json")
        try FileManager.default.removeItem(atPath: directory.appending("t8.json"))
        let reloaded = loader.loadDirectory(directory.path)
        #expect(reloaded.tenants.count == 99)
        // The 98 unchanged files were reused as they were built; only t7 was built again.
        #expect(CountingFactory.makes.withLock { $0[run] } == 100)
        #expect(CountingFactory.makes.withLock { $0[changed] } == 1)
        #expect(reloaded.tenants.first { $0.name == "t7" }?.destinations.first?.settings == ["run": .string(changed)])
        #expect(loader.cache?.count == 99)
    }

    @Test func aChangedFileReusesTheDestinationsWhoseSettingsDidNotChange() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let run = UUID().uuidString
        let other = UUID().uuidString
        func tenant(_ name: String, description: String, runs: [String], transform: Bool = false) -> String {
            let destinations: [JSONValue] = runs.enumerated().map { index, run in
                var members: [String: JSONValue] = ["id": .string("c\(index)"), "type": "counting", "settings": ["run": .string(run)]]
                if transform { members["transform"] = [["drop": ["secret"]]] }
                return .object(members)
            }
            let document: JSONValue = [
                "name": .string(name), "description": .string(description),
                "ingest": ["scheme": "x-hub-signature", "secrets": ["s"]], "destinations": .array(destinations),
            ]
            return String(decoding: JSONWriter.serialize(document), as: UTF8.self)
        }
        for index in 0..<20 {
            _ = try directory.write(tenant("t\(index)", description: "first", runs: [run]), to: "t\(index).json")
        }
        let loader = self.loader(cache: TenantFileCache())
        #expect(loader.loadDirectory(directory.path).errors.isEmpty)
        #expect(CountingFactory.makes.withLock { $0[run] } == 20)
        // Every file changes: a new description, one tenant gains a destination and a transform.
        for index in 0..<20 {
            _ = try directory.write(tenant("t\(index)", description: "second", runs: [run]), to: "t\(index).json")
        }
        _ = try directory.write(tenant("t3", description: "second", runs: [run, other], transform: true), to: "t3.json")
        let reloaded = loader.loadDirectory(directory.path)
        #expect(reloaded.errors.isEmpty)
        #expect(reloaded.tenants.allSatisfy { $0.description == "second" })
        // Nothing built again but the new destination; t3's reused one is wrapped in its new transform.
        #expect(CountingFactory.makes.withLock { $0[run] } == 20)
        #expect(CountingFactory.makes.withLock { $0[other] } == 1)
        let t3 = reloaded.tenants.first { $0.name == "t3" }
        #expect(t3?.destinations.map(\.id) == ["c0", "c1"])
        #expect(t3?.destinations.first?.destination is TransformingDestination)
        #expect(t3?.destinations.first?.transform != nil)
        // A settings change builds again.
        _ = try directory.write(tenant("t5", description: "third", runs: [other]), to: "t5.json")
        #expect(loader.loadDirectory(directory.path).errors.isEmpty)
        #expect(CountingFactory.makes.withLock { $0[other] } == 2)
    }
}
