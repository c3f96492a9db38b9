import Foundation
import Logging
import RouterCore
import RouterTesting
import Testing

@testable import EventStoreSQLite

/// What erasure guarantees in the SQLite store's files: once the store's clean-up step has run,
/// the erased value is in neither the database file nor its write-ahead log.
@Suite(.timeLimit(.minutes(2)))
struct SQLiteErasureTests {
    /// The clean-up a new store runs first (an erasure of a previous run may be unfinished)
    /// succeeds: it once failed with SQLITE_LOCKED on every start, because the schema check at
    /// open left a statement stepped on the writer's connection.
    @Test func theFirstCleanUpOfAFreshStoreSucceeds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger(label: "test"))
        #expect(try await store.checkpoint())
    }

    /// A payload that fits in its row's page, or one that spills to overflow pages.
    enum Payload: String, CaseIterable, CustomTestStringConvertible {
        case inPage
        case overflowing

        var testDescription: String { self.rawValue }

        /// Properties holding `marker`, stored as they are (not compressed), so the marker's
        /// bytes are in the file exactly while the payload is.
        func json(marker: String) -> [UInt8] {
            switch self {
            case .inPage:
                return Array(#"{"field.cancel.email":"\#(marker)","user_id":"u_1"}"#.utf8)
            case .overflowing:
                // Random bytes in base64 do not compress: LZ4 gives up and the text is kept.
                var generator = SystemRandomNumberGenerator()
                let noise = Data((0..<6000).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
                return Array(#"{"field.cancel.email":"\#(marker)","blob":"\#(noise)"}"#.utf8)
            }
        }
    }

    static func fileContains(_ path: String, _ marker: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        return try Data(contentsOf: URL(fileURLWithPath: path)).range(of: Data(marker.utf8)) != nil
    }

    @Test(arguments: Payload.allCases, [true, false])
    func anErasedValueIsGoneFromTheDatabaseFileAndItsLogAfterTheCleanUp(payload: Payload, erase: Bool) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger.quiet())
        let marker = "erase-me-\(UUID().uuidString.lowercased())@example.com"
        let json = payload.json(marker: marker)
        #expect(StoredProperties.encode(json) == json, "stored verbatim, so a search of the file can find it")
        func event(_ id: String, _ properties: [UInt8]) -> RetentionEvent {
            RetentionEvent(
                id: id,
                type: .cancel,
                tenant: "acme",
                occurredAt: Timestamp(millisecondsSince1970: 1_000),
                receivedAt: Timestamp(millisecondsSince1970: 2_000),
                encodedProperties: properties
            )
        }
        let neighbour = Array(#"{"user_id":"u_2","note":"stays"}"#.utf8)
        _ = try await store.append([event("before", neighbour), event("secret", json), event("after", neighbour)], routes: [["file"], ["file"], ["file"]])
        // In the database file itself, not only in the log.
        #expect(try await store.checkpoint())
        #expect(try Self.fileContains(store.path, marker))
        if erase {
            let result = try await store.erasePayload(tenant: "acme", id: "secret", now: Timestamp(millisecondsSince1970: 3_000))
            #expect(result?.alreadyErased == false)
        }
        // Both runs do the clean-up step; only the erasure takes the value away.
        try await store.purgeErasedRemnants()
        #expect(try Self.fileContains(store.path, marker) == !erase)
        #expect(try Self.fileContains(store.path + "-wal", marker) == false)
        // The neighbours are whole.
        let head = try await store.head(of: PartitionKey(tenant: "acme", destination: "file"), limit: 10)
        #expect(head.map(\.event.id) == (erase ? ["before", "after"] : ["before", "secret", "after"]))
        #expect(head.first?.event.propertiesJSON == neighbour)
    }

    @Test func anErasureLeavesNothingInTheLogEvenBeforeACheckpoint() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger.quiet())
        let marker = "erase-me-\(UUID().uuidString.lowercased())@example.com"
        let properties = Array(#"{"field.cancel.email":"\#(marker)"}"#.utf8)
        let event = RetentionEvent(
            id: "secret",
            type: .cancel,
            tenant: "acme",
            occurredAt: Timestamp(millisecondsSince1970: 1_000),
            receivedAt: Timestamp(millisecondsSince1970: 2_000),
            encodedProperties: properties
        )
        _ = try await store.append([event], routes: [["file"]])
        // Only in the log so far.
        #expect(try Self.fileContains(store.path + "-wal", marker))
        _ = try await store.erasePayload(tenant: "acme", id: "secret", now: Timestamp(millisecondsSince1970: 3_000))
        #expect(try Self.fileContains(store.path + "-wal", marker) == false)
        #expect(try Self.fileContains(store.path, marker) == false)
    }
}
