import EventStoreSQLite
import FileDestination
import EventStoreSQLite
import Foundation
import NIOHTTP1
import Logging
import RouterCore
import RouterTesting

/// Helpers shared by the end-to-end tests.
enum ServerHarness {
    /// The modules the tests register: the real file sink and the scripted test destination.
    static var registry: DestinationRegistry {
        var registry = DestinationRegistry()
        registry.register(FileDestinationFactory.self)
        registry.register(ScriptedDestinationFactory.self)
        return registry
    }

    /// A tenant with one file destination writing `data/{tenant}/events.ndjson`.
    static func fileTenant(_ name: String = "acme", scheme: String = "x-hub-signature", secret: String = "test-secret") -> String {
        Fixtures.tenantJSON(
            name: name,
            secret: secret,
            scheme: scheme,
            destinations: [["id": "archive", "type": "file", "settings": ["path": "data/{tenant}/events.ndjson"]]]
        )
    }

    /// The ids in a tenant's NDJSON file, in file order; empty when the file does not exist.
    static func fileIDs(_ directory: TemporaryDirectory, tenant: String = "acme") -> [String] {
        guard let text = try? String(contentsOfFile: directory.appending("data/\(tenant)/events.ndjson"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            (try? JSONParser.parse(Array(line.utf8)))?["id"]?.stringValue
        }
    }

    /// Opens the store of a stopped server to inspect it.
    static func store(_ directory: TemporaryDirectory) throws -> SQLiteEventStore {
        try SQLiteEventStore(directory: directory.appending("data"), logger: Logger(label: "inspect"))
    }
}
