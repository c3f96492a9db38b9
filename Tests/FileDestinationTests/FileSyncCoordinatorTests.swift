import Dispatch
import FileDestination
import Foundation
import NIOPosix
import RouterCore
import RouterTesting
import Synchronization
import Testing

/// The group fsync: files written at the same moment share a pass, and nothing is reported
/// durable before the pass that covers it has returned.
struct FileSyncCoordinatorTests {
    /// A syncer whose passes block until the test lets them go, recording what happened in order.
    final class GatedSyncer: FileSyncer {
        let log = Mutex<[String]>([])
        let passes = Mutex<[[String]]>([])
        /// Paths whose sync fails.
        let failing: Set<String>
        private let gate = DispatchSemaphore(value: 0)
        let entered = Wakeup()

        init(failing: Set<String> = []) {
            self.failing = failing
        }

        func adopt(_ descriptor: Int32, device: UInt64) {}

        func sync(_ files: [WrittenFile]) -> [FileSyncFailure?] {
            let paths = files.map(\.path)
            self.passes.withLock { $0.append(paths) }
            self.log.withLock { $0.append("pass \(paths.joined(separator: ",")) started") }
            self.entered.signal()
            self.gate.wait()
            self.log.withLock { $0.append("pass \(paths.joined(separator: ",")) returned") }
            return files.map { self.failing.contains($0.path) ? FileSyncFailure("injected failure of \($0.path)") : nil }
        }

        /// Lets one blocked pass return.
        func release() { self.gate.signal() }
    }

    private func file(_ path: String) -> WrittenFile {
        WrittenFile(path: path, device: 1, start: 0, length: 10, newEntry: false)
    }

    /// Waits until the syncer has started `count` passes.
    private func passesStarted(_ syncer: GatedSyncer, reach count: Int) async {
        while syncer.passes.withLock({ $0.count }) < count {
            await syncer.entered.wait(until: .now + .milliseconds(100))
        }
    }

    /// Waits until `count` callers are queued behind the running pass.
    private func queued(_ coordinator: FileSyncCoordinator, pending count: Int) async {
        while coordinator.pendingCount < count { await Task.yield() }
    }

    private func withPool<T>(_ body: (NIOThreadPool) async throws -> T) async throws -> T {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        do {
            let result = try await body(pool)
            try await pool.shutdownGracefully()
            return result
        } catch {
            try await pool.shutdownGracefully()
            throw error
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aFileIsNeverReportedDurableBeforeItsPassReturned() async throws {
        try await self.withPool { pool in
            let syncer = GatedSyncer()
            let coordinator = FileSyncCoordinator(syncer: syncer, threadPool: pool)
            let caller = Task {
                try await coordinator.sync(self.file("a"))
                syncer.log.withLock { $0.append("a durable") }
            }
            await self.passesStarted(syncer, reach: 1)
            // The pass is blocked in its sync call: however often the caller could run, it must
            // still be waiting.
            for _ in 0..<200 { await Task.yield() }
            #expect(!syncer.log.withLock { $0 }.contains("a durable"))
            syncer.release()
            try await caller.value
            #expect(syncer.log.withLock { $0 } == ["pass a started", "pass a returned", "a durable"])
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func filesWrittenDuringAPassShareTheNextPass() async throws {
        try await self.withPool { pool in
            let syncer = GatedSyncer()
            let coordinator = FileSyncCoordinator(syncer: syncer, threadPool: pool)
            let first = Task { try await coordinator.sync(self.file("a")) }
            await self.passesStarted(syncer, reach: 1)
            // Written while pass 1 runs: it may have started before their lines, so they wait.
            let others = (0..<20).map { index in Task { try await coordinator.sync(self.file("f\(index)")) } }
            await self.queued(coordinator, pending: 20)
            syncer.release()
            try await first.value
            await self.passesStarted(syncer, reach: 2)
            syncer.release()
            for other in others { try await other.value }
            let passes = syncer.passes.withLock { $0 }
            #expect(passes.count == 2)
            #expect(passes.first == ["a"])
            #expect(Set(passes.last ?? []) == Set((0..<20).map { "f\($0)" }))
            #expect(coordinator.statistics.passes == 2)
            #expect(coordinator.statistics.files == 21)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aFailedSyncFailsItsOwnFileOnly() async throws {
        try await self.withPool { pool in
            let syncer = GatedSyncer(failing: ["bad"])
            let coordinator = FileSyncCoordinator(syncer: syncer, threadPool: pool)
            let blocker = Task { try await coordinator.sync(self.file("first")) }
            await self.passesStarted(syncer, reach: 1)
            let good = Task { try await coordinator.sync(self.file("good")) }
            let bad = Task { try await coordinator.sync(self.file("bad")) }
            await self.queued(coordinator, pending: 2)
            syncer.release()
            try await blocker.value
            await self.passesStarted(syncer, reach: 2)
            syncer.release()
            try await good.value
            await #expect(throws: FileSyncFailure.self) { try await bad.value }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theBatchesOfManyDestinationsShareOnePassAndFailAlone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await self.withPool { pool in
            let syncer = GatedSyncer(failing: [directory.appending("bad/out.ndjson")])
            let coordinator = FileSyncCoordinator(syncer: syncer, threadPool: pool)
            let names = ["a", "b", "bad", "c"]
            let destinations = names.map { FileDestination(path: directory.appending("\($0)/out.ndjson"), maxBytes: nil, coordinator: coordinator) }
            // A destination of another coordinator is delivered on its own, not dropped.
            let stranger = FileDestination(path: directory.appending("stranger.ndjson"), maxBytes: nil)
            let deliveries = zip(names, destinations).map { name, destination in
                CombinedDelivery(destination: destination, batch: (0..<3).map { self.routed("\(name)-\($0)") })
            } + [CombinedDelivery(destination: stranger, batch: [self.routed("s")])]
            let combined = Task { await coordinator.deliver(deliveries) }
            await self.passesStarted(syncer, reach: 1)
            for _ in 0..<100 { await Task.yield() }
            #expect(coordinator.pendingCount == 0, "every file of the call is in the pass that started")
            syncer.release()
            let outcomes = await combined.value
            #expect(syncer.passes.withLock { $0 }.map { Set($0) } == [Set(destinations.map(\.path))])
            #expect(outcomes.count == 5)
            for (index, name) in names.enumerated() {
                if name == "bad" {
                    #expect(outcomes[index].allSatisfy { if case .retry(_, let reason) = $0 { reason.code == "file_sync_failed" } else { false } })
                    #expect(try String(contentsOfFile: destinations[index].path, encoding: .utf8).isEmpty, "lines not made durable are cut off")
                } else {
                    #expect(outcomes[index] == [.delivered, .delivered, .delivered])
                    let lines = try String(contentsOfFile: destinations[index].path, encoding: .utf8).split(separator: "\n")
                    #expect(lines.count == 3 && lines.allSatisfy { $0.contains("\"\(name)-") })
                }
            }
            #expect(outcomes[4] == [.delivered])
        }
    }

    private func routed(_ id: String) -> RoutedEvent {
        let stored = Fixtures.storedEvent(type: .cancel, id: id, sequence: 1)
        return RoutedEvent(event: stored.event, sequence: stored.sequence, attempt: 1)
    }

    @Test(.timeLimit(.minutes(1)))
    func aDestinationWhoseSyncFailsRetriesAndLeavesNoLineBehind() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("out.ndjson")
        try await self.withPool { pool in
            let syncer = GatedSyncer(failing: [path])
            let coordinator = FileSyncCoordinator(syncer: syncer, threadPool: pool)
            let destination = FileDestination(path: path, maxBytes: nil, coordinator: coordinator)
            let stored = Fixtures.storedEvent(id: "e1", sequence: 1)
            let delivery = Task { await destination.deliver([RoutedEvent(event: stored.event, sequence: 1, attempt: 1)]) }
            await self.passesStarted(syncer, reach: 1)
            // Written, not yet durable, not yet reported.
            let written = try String(contentsOfFile: path, encoding: .utf8)
            #expect(written.contains("\"e1\""))
            syncer.release()
            let outcomes = await delivery.value
            guard case .retry(_, let reason)? = outcomes.first else {
                Issue.record("expected a retry, got \(outcomes)")
                return
            }
            #expect(reason.code == "file_sync_failed")
            let left = try String(contentsOfFile: path, encoding: .utf8)
            #expect(left.isEmpty)
        }
    }

    @Test func theFilesystemSyncerSyncsOneFileOrAWholeFilesystem() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let syncer = FilesystemSyncer()
        let coordinator = FileSyncCoordinator(syncer: syncer, threadPool: .singleton)
        let destinations = (0..<8).map { FileDestination(path: directory.appending("t\($0)/events.ndjson"), maxBytes: nil, coordinator: coordinator) }
        let stored = Fixtures.storedEvent(id: "e1", sequence: 1)
        let outcomes = await withTaskGroup(of: [DeliveryOutcome].self) { group in
            for destination in destinations {
                group.addTask { await destination.deliver([RoutedEvent(event: stored.event, sequence: 1, attempt: 1)]) }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(outcomes == Array(repeating: .delivered, count: 8))
        for index in 0..<8 {
            #expect(try String(contentsOfFile: directory.appending("t\(index)/events.ndjson"), encoding: .utf8).hasSuffix("}\n"))
        }
        #expect(coordinator.statistics.files == 8)
        // A file that vanished before its sync cannot be vouched for.
        let gone = WrittenFile(path: directory.appending("missing.ndjson"), device: 0, start: 0, length: 1, newEntry: true)
        #expect(syncer.sync([gone]).first??.description.contains("missing.ndjson") == true)
    }

    /// logrotate may move the file away between the append and a pass that syncs it alone by its
    /// path: syncing whatever the path names then would vouch for lines that are elsewhere.
    @Test func aFileMovedAwayBeforeItsSyncIsSyncedWithItsFilesystemOrFails() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("events.ndjson")
        func writeFile(_ text: String) throws -> WrittenFile {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let inode = try #require(attributes[.systemFileNumber] as? NSNumber).uint64Value
            let device = try #require(attributes[.systemNumber] as? NSNumber).uint64Value
            return WrittenFile(path: path, device: device, start: 0, length: text.utf8.count, newEntry: true, inode: inode)
        }
        let written = try writeFile("{\"id\":\"e1\"}\n")
        // Still there: synced by itself.
        #expect(FilesystemSyncer().sync([written]) == [nil])
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        _ = try writeFile("")
        // No descriptor of that filesystem to sync it through: the lines cannot be vouched for.
        let alone = FilesystemSyncer()
        let refused = try #require(alone.sync([written]).first ?? nil)
        #expect(refused.description.contains("moved away or replaced"))
        // With one (every file the destination opens is adopted first), the filesystem is synced
        // (`syncfs`, which only Linux has; elsewhere the sync fails and the events are retried).
        #if os(Linux)
        let syncer = FilesystemSyncer()
        let handle = open(path, O_RDONLY | O_CLOEXEC)
        #expect(handle >= 0)
        defer { close(handle) }
        syncer.adopt(handle, device: written.device)
        #expect(syncer.sync([written]) == [nil])
        // Moved away with nothing in its place: the same.
        try FileManager.default.removeItem(atPath: path)
        #expect(syncer.sync([written]) == [nil])
        #endif
        try? FileManager.default.removeItem(atPath: path)
        #expect(try #require(alone.sync([written]).first ?? nil).description.contains("moved away or replaced"))
    }
}
