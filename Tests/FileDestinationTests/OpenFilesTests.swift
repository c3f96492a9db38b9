import FileDestination
import Foundation
import NIOPosix
import RouterCore
import RouterTesting
import Synchronization
import Testing

/// Files kept open between appends: a busy file is not opened again for every line, and yet a
/// file that was moved, deleted or written by someone else in between is never written blindly.
@Suite(.timeLimit(.minutes(1)))
struct OpenFilesTests {
    private func line(_ id: String) -> [UInt8] {
        Array("{\"id\":\"\(id)\"}\n".utf8)
    }

    private func ids(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.isEmpty || text.hasSuffix("\n"), "every line ends in a newline")
        return text.split(separator: "\n").map { String($0.dropFirst(7).dropLast(2)) }
    }

    private func coordinator(keepOpen: Int? = nil) -> FileSyncCoordinator {
        FileSyncCoordinator(syncer: FilesystemSyncer(), threadPool: .singleton, keepOpen: keepOpen)
    }

    /// Appends line 1 to `events.ndjson` in `directory`, lets `meanwhile` act on the file as
    /// another program would, then appends line 2 (both must be durable); returns the path.
    private func appendTwice(in directory: TemporaryDirectory, meanwhile: (String) throws -> Void) async throws -> String {
        let path = directory.appending("events.ndjson")
        let coordinator = self.coordinator()
        #expect(await coordinator.append(self.line("1"), to: path, maxBytes: nil) == .durable)
        try meanwhile(path)
        #expect(await coordinator.append(self.line("2"), to: path, maxBytes: nil) == .durable)
        return path
    }

    @Test func aBusyFileStaysOpenBetweenAppends() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("a/events.ndjson")
        let coordinator = self.coordinator()
        for id in ["1", "2", "3"] {
            #expect(await coordinator.append(self.line(id), to: path, maxBytes: nil) == .durable)
        }
        #expect(coordinator.openFileCount == 1)
        #expect(try self.ids(path) == ["1", "2", "3"])
    }

    @Test func aFileMovedAwayBetweenAppendsIsCreatedAgainAndTheMovedOneKeepsItsLines() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try await self.appendTwice(in: directory) { path in
            // What logrotate does without copytruncate.
            try FileManager.default.moveItem(atPath: path, toPath: path + ".old")
        }
        #expect(try self.ids(path + ".old") == ["1"])
        #expect(try self.ids(path) == ["2"])
    }

    @Test func aFileDeletedBetweenAppendsIsCreatedAgain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try await self.appendTwice(in: directory) { path in
            try FileManager.default.removeItem(atPath: path)
        }
        #expect(try self.ids(path) == ["2"])
    }

    @Test func aTornLineSomeoneElseLeftIsCutOffBeforeTheNextAppend() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try await self.appendTwice(in: directory) { path in
            // Another writer of the same file (a copy of the router killed mid-write) leaves half a line.
            let other = try #require(FileHandle(forWritingAtPath: path))
            try other.seekToEnd()
            try other.write(contentsOf: Data("{\"id\":\"half".utf8))
            try other.close()
        }
        #expect(try self.ids(path) == ["1", "2"])
    }

    @Test func aFileTruncatedInPlaceIsAppendedToAtItsNewEnd() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try await self.appendTwice(in: directory) { path in
            // logrotate's copytruncate.
            try Data().write(to: URL(fileURLWithPath: path))
        }
        #expect(try self.ids(path) == ["2"])
    }

    @Test func rotationBySizeOpensTheNewFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("events.ndjson")
        let coordinator = self.coordinator()
        let padding = String(repeating: "x", count: 700)
        for id in ["1", "2", "3"] {
            #expect(await coordinator.append(self.line(id + padding), to: path, maxBytes: 1024) == .durable)
        }
        #expect(try self.ids(path + ".2") == ["1" + padding])
        #expect(try self.ids(path + ".1") == ["2" + padding])
        #expect(try self.ids(path) == ["3" + padding])
    }

    @Test func aFileNotWrittenForAWhileIsClosed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("events.ndjson")
        let coordinator = FileSyncCoordinator(syncer: FilesystemSyncer(), threadPool: .singleton, closeIdleAfter: .milliseconds(100))
        #expect(await coordinator.append(self.line("1"), to: path, maxBytes: nil) == .durable)
        #expect(coordinator.openFileCount == 1)
        // A quiet tenant's file that logrotate deletes must not keep its space.
        #expect(try await eventually { coordinator.openFileCount == 0 })
        #expect(await coordinator.append(self.line("2"), to: path, maxBytes: nil) == .durable)
        #expect(try self.ids(path) == ["1", "2"])
        #expect(try await eventually { coordinator.openFileCount == 0 })
    }

    @Test func atMostCapacityFilesStayOpenAndEveryLineLands() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let coordinator = self.coordinator(keepOpen: 4)
        for round in 0..<3 {
            for file in 0..<10 {
                let outcome = await coordinator.append(self.line("\(round)"), to: directory.appending("t\(file).ndjson"), maxBytes: nil)
                #expect(outcome == .durable)
                #expect(coordinator.openFileCount <= 4)
            }
        }
        for file in 0..<10 {
            #expect(try self.ids(directory.appending("t\(file).ndjson")) == ["0", "1", "2"])
        }
        let none = self.coordinator(keepOpen: 0)
        #expect(await none.append(self.line("x"), to: directory.appending("t0.ndjson"), maxBytes: nil) == .durable)
        #expect(none.openFileCount == 0)
    }

    @Test func twoAppendsToOneFileInAFailedPassAreBothCutOff() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("events.ndjson")
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        defer { pool.shutdownGracefully { _ in } }
        let syncer = FileSyncCoordinatorTests.GatedSyncer(failing: [path])
        let coordinator = FileSyncCoordinator(syncer: syncer, threadPool: pool)
        // Hold a first pass so that both appends below meet in the second.
        let blocker = Task { try await coordinator.sync(WrittenFile(path: "first", device: 1, start: 0, length: 1, newEntry: false)) }
        while syncer.passes.withLock({ $0.count }) < 1 { await syncer.entered.wait(until: .now + .milliseconds(100)) }
        let first = Task { await coordinator.append(self.line("1"), to: path, maxBytes: nil) }
        while coordinator.pendingCount < 1 { await Task.yield() }
        let second = Task { await coordinator.append(self.line("2"), to: path, maxBytes: nil) }
        while coordinator.pendingCount < 2 { await Task.yield() }
        syncer.release()
        try await blocker.value
        while syncer.passes.withLock({ $0.count }) < 2 { await syncer.entered.wait(until: .now + .milliseconds(100)) }
        // Both were written before the sync was asked for.
        #expect(try self.ids(path) == ["1", "2"])
        syncer.release()
        guard case .syncFailed = await first.value, case .syncFailed = await second.value else {
            Issue.record("both appends must report the failed sync")
            return
        }
        #expect(try self.ids(path) == [])
    }
}
