import EventStoreSQLite
import Logging
import RouterCore
import RouterTesting
import Testing

/// `headBatch` says whether the batch is everything that waited, so a delivery worker that sent
/// it can go idle without reading the head again.
struct HeadBatchTests {
    let partition = PartitionKey(tenant: "acme", destination: "file")

    private func store(holding count: Int, in directory: TemporaryDirectory) async throws -> SQLiteEventStore {
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger(label: "test"))
        let events = (0..<count).map { Fixtures.storedEvent(id: "e\($0)", sequence: 0).event }
        _ = try await store.append(events, routes: events.map { _ in [self.partition.destination] })
        return store
    }

    @Test func aBatchHoldingTheWholeHeadIsDrained() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await self.store(holding: 3, in: directory)
        let batch = try await store.headBatch(of: self.partition, limit: 3, maxBytes: 1 << 20)
        #expect(batch.events.map(\.event.id) == ["e0", "e1", "e2"])
        #expect(batch.drained == true)
        let empty = try await store.headBatch(of: PartitionKey(tenant: "acme", destination: "none"), limit: 3, maxBytes: 1 << 20)
        #expect(empty.events.isEmpty)
        #expect(empty.drained == true)
    }

    @Test func aBatchCutByTheCountOrTheBytesIsNotDrained() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await self.store(holding: 4, in: directory)
        let byCount = try await store.headBatch(of: self.partition, limit: 3, maxBytes: 1 << 20)
        #expect(byCount.events.count == 3)
        #expect(byCount.drained == false)
        let size = Fixtures.storedEvent(id: "e0", sequence: 0).event.propertiesJSON.count
        let byBytes = try await store.headBatch(of: self.partition, limit: 10, maxBytes: size * 2 + size / 2)
        #expect(byBytes.events.count == 2)
        #expect(byBytes.drained == false)
        #expect(try await store.head(of: self.partition, limit: 10).count == 4)
    }
}
