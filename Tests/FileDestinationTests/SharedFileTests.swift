import AsyncHTTPClient
import FileDestination
import Foundation
import Logging
import NIOPosix
import RouterCore
import RouterTesting
import Testing

/// Issue #14 item 8: two destinations, of any tenants, writing one file are refused at load.
struct SharedFileTests {
    private func loader(base: String) -> TenantLoader {
        var registry = DestinationRegistry()
        registry.register(FileDestinationFactory.self)
        return TenantLoader(registry: registry, environment: [:]) { tenant, destination in
            DestinationContext(
                tenant: tenant,
                destinationID: destination,
                logger: Logger(label: "test"),
                httpClient: .shared,
                threadPool: .singleton,
                baseDirectory: base,
                dataDirectory: base,
                allowPrivateAddresses: true
            )
        }
    }

    private func tenant(_ name: String, paths: [String]) -> String {
        Fixtures.tenantJSON(
            name: name,
            destinations: paths.enumerated().map { index, path in
                ["id": .string("file\(index)"), "type": "file", "settings": ["path": .string(path)]]
            }
        )
    }

    @Test func twoTenantsWritingOneFileAreRefusedNamingBoth() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try directory.write(self.tenant("acme", paths: ["data/{tenant}.ndjson", "data/shared.ndjson"]), to: "tenants/acme.json")
        _ = try directory.write(self.tenant("beta", paths: ["data/{tenant}.ndjson", "data/./x/../shared.ndjson"]), to: "tenants/beta.json")
        let loaded = self.loader(base: directory.appending("")).loadDirectory(directory.appending("tenants"))
        let error = try #require(loaded.errors.first)
        #expect(loaded.errors.count == 1)
        #expect(error.file.hasSuffix("tenants/beta.json"))
        #expect(error.path == "destinations[1].settings.path")
        #expect(error.message.contains("\"file1\" of tenant acme ("))
        #expect(error.message.contains("acme.json"))
        #expect(error.message.contains("data/shared.ndjson"))
    }

    @Test func twoDestinationsOfOneTenantWritingOneFileAreRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let absolute = directory.appending("out.ndjson")
        _ = try directory.write(self.tenant("acme", paths: [absolute, "out.ndjson"]), to: "tenants/acme.json")
        let loaded = self.loader(base: directory.appending("")).loadDirectory(directory.appending("tenants"))
        #expect(loaded.errors.map(\.path) == ["destinations[1].settings.path"])
        #expect(loaded.errors.first?.message.contains("destination \"file0\" (destinations[0].settings.path)") == true)
    }

    @Test func tenantPlaceholdersKeepFilesApart() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try directory.write(self.tenant("acme", paths: ["data/{tenant}/events.ndjson"]), to: "tenants/acme.json")
        _ = try directory.write(self.tenant("beta", paths: ["data/{tenant}/events.ndjson"]), to: "tenants/beta.json")
        let loaded = self.loader(base: directory.appending("")).loadDirectory(directory.appending("tenants"))
        #expect(loaded.errors.isEmpty)
        #expect(loaded.tenants.count == 2)
    }
}
