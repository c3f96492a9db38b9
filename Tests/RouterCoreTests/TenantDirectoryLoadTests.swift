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
}
