import EventStoreSQLite
import Foundation
import Logging
import RouterCore
import RouterTesting
import Testing

struct SQLiteEventStoreTests {
    let partition = PartitionKey(tenant: "acme", destination: "file")

    private func event(_ id: String, type: RetentionEventType = .cancel, tenant: String = "acme") -> RetentionEvent {
        RetentionEvent(
            id: id,
            type: type,
            tenant: tenant,
            occurredAt: Timestamp(millisecondsSince1970: 1_604_623_990_886),
            receivedAt: Timestamp(millisecondsSince1970: 1_604_624_000_000),
            properties: Fixtures.sampleProperties
        )
    }

    private func withStore(_ body: (SQLiteEventStore, TemporaryDirectory) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger(label: "test"))
        try await body(store, directory)
    }

    @Test func appendedEventsReadBackLosslesslyInOrder() async throws {
        try await self.withStore { store, _ in
            let inserted = try await store.append([self.event("a"), self.event("b", type: .save)], routes: [["file"], ["file", "other"]])
            #expect(inserted == [true, true])
            let events = try await store.events(in: self.partition, after: 0, limit: 10)
            #expect(events.map(\.event.id) == ["a", "b"])
            #expect(events[1].event == self.event("b", type: .save))
            #expect(events[0].sequence < events[1].sequence)
            let other = try await store.events(in: PartitionKey(tenant: "acme", destination: "other"), after: 0, limit: 10)
            #expect(other.map(\.event.id) == ["b"])
            let after = try await store.events(in: self.partition, after: events[0].sequence, limit: 10)
            #expect(after.map(\.event.id) == ["b"])
        }
    }

    @Test func duplicateIDsAreAcknowledgedButNotRoutedTwice() async throws {
        try await self.withStore { store, _ in
            _ = try await store.append([self.event("a")], routes: [["file"]])
            let again = try await store.append([self.event("a"), self.event("c"), self.event("c")], routes: [["file"], ["file"], ["file"]])
            #expect(again == [false, true, false])
            #expect(try await store.events(in: self.partition, after: 0, limit: 10).map(\.event.id) == ["a", "c"])
            // The same id under another tenant is a different event.
            #expect(try await store.append([self.event("a", tenant: "globex")], routes: [["file"]]) == [true])
        }
    }

    @Test func concurrentAppendsAllCommit() async throws {
        try await self.withStore { store, _ in
            try await withThrowingTaskGroup(of: [Bool].self) { group in
                for index in 0..<200 {
                    group.addTask { try await store.append([self.event("e\(index)")], routes: [["file"]]) }
                }
                for try await result in group { #expect(result == [true]) }
            }
            #expect(try await store.events(in: self.partition, after: 0, limit: 1000).count == 200)
        }
    }

    @Test func commitsMoveTheCursorAndKeepRetriesAndDeadLetters() async throws {
        try await self.withStore { store, _ in
            _ = try await store.append([self.event("a"), self.event("b"), self.event("c")], routes: [["file"], ["file"], ["file"]])
            let events = try await store.events(in: self.partition, after: 0, limit: 10)
            let now = Timestamp(millisecondsSince1970: 1_700_000_000_000)
            let reason = FailureReason(code: "http_500", message: "down", status: 500)
            try await store.commit(
                DeliveryCommit(
                    partition: self.partition,
                    state: PartitionState(cursor: events[2].sequence),
                    retries: [.init(sequence: events[1].sequence, failures: 1, nextAttempt: now.adding(.seconds(5)), firstFailure: now, reason: reason)],
                    deadLetters: [.init(sequence: events[2].sequence, eventID: "c", attempts: 1, reason: reason, failedAt: now)]
                )
            )
            #expect(try await store.state(of: self.partition).cursor == events[2].sequence)
            #expect(try await store.events(in: self.partition, after: events[2].sequence, limit: 10).isEmpty)
            #expect(try await store.dueRetries(in: self.partition, now: now, limit: 10).isEmpty)
            let due = try await store.dueRetries(in: self.partition, now: now.adding(.seconds(5)), limit: 10)
            #expect(due.map(\.event.id) == ["b"])
            #expect(due.first?.failures == 1)
            #expect(due.first?.firstFailure == now)
            #expect(try await store.nextRetry(in: self.partition) == now.adding(.seconds(5)))
            let dead = try await store.deadLetters(tenant: "acme", destination: nil, limit: 10)
            #expect(dead.map(\.eventID) == ["c"])
            #expect(dead.first?.reason == reason)
            try await store.commit(DeliveryCommit(partition: self.partition, state: PartitionState(cursor: events[2].sequence), finishedRetries: [events[1].sequence]))
            #expect(try await store.nextRetry(in: self.partition) == nil)
        }
    }

    @Test func dataSurvivesReopening() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let store = try SQLiteEventStore(directory: directory.path, logger: Logger(label: "test"))
            _ = try await store.append([self.event("a")], routes: [["file"]])
            try await store.commit(DeliveryCommit(partition: self.partition, state: PartitionState(cursor: 0, headFailures: 2, failingSince: Timestamp(millisecondsSince1970: 5))))
        }
        let reopened = try SQLiteEventStore(directory: directory.path, logger: Logger(label: "test"))
        #expect(try await reopened.events(in: self.partition, after: 0, limit: 10).map(\.event.id) == ["a"])
        #expect(try await reopened.state(of: self.partition) == PartitionState(cursor: 0, headFailures: 2, failingSince: Timestamp(millisecondsSince1970: 5)))
    }

    @Test func readsSeeWritesCommittedAfterAnEarlierRead() async throws {
        try await self.withStore { store, _ in
            #expect(try await store.events(in: self.partition, after: 0, limit: 10).isEmpty)
            #expect(try await store.nextRetry(in: self.partition) == nil)
            _ = try await store.append([self.event("late")], routes: [["file"]])
            #expect(try await store.events(in: self.partition, after: 0, limit: 10).map(\.event.id) == ["late"])
        }
    }

    @Test func anUnwritableDirectoryIsAClearError() {
        #expect(throws: (any Error).self) {
            _ = try SQLiteEventStore(directory: "/proc/no-such-dir/data", logger: Logger(label: "test"))
        }
    }
}

struct SQLiteEventStoreMaintenanceTests {
    let partition = PartitionKey(tenant: "acme", destination: "file")

    private func event(_ id: String, receivedAt: Int64) -> RetentionEvent {
        RetentionEvent(
            id: id,
            type: .cancel,
            tenant: "acme",
            occurredAt: Timestamp(millisecondsSince1970: receivedAt),
            receivedAt: Timestamp(millisecondsSince1970: receivedAt),
            properties: ["k": "v"]
        )
    }

    @Test func pruneDeletesOnlyWhatNoDestinationStillNeeds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger(label: "test"))
        _ = try await store.append(
            [self.event("retrying", receivedAt: 1000), self.event("done", receivedAt: 1000), self.event("waiting", receivedAt: 1000), self.event("new", receivedAt: 9000)],
            routes: [["file"], ["file"], ["file"], ["file"]]
        )
        let events = try await store.events(in: self.partition, after: 0, limit: 10)
        let reason = FailureReason(code: "x", message: "y")
        try await store.commit(
            DeliveryCommit(
                partition: self.partition,
                state: PartitionState(cursor: events[1].sequence),
                retries: [.init(sequence: events[0].sequence, failures: 1, nextAttempt: Timestamp(millisecondsSince1970: 99_999), firstFailure: Timestamp(millisecondsSince1970: 1), reason: reason)],
                attempts: [AttemptRecord(sequence: events[1].sequence, attempt: 1, at: Timestamp(millisecondsSince1970: 1), outcome: .delivered, reason: nil, latencyMilliseconds: 3)]
            )
        )
        // One event per step: the waiting ones must not stop the scan from reaching the done one.
        let pruned = try await store.prune(receivedBefore: Timestamp(millisecondsSince1970: 5000), step: 1)
        #expect(pruned == 1)
        #expect(try await store.status(tenant: "acme", id: "done") == nil)
        #expect(try await store.status(tenant: "acme", id: "retrying")?.destinations.first?.state == .retrying(next: Timestamp(millisecondsSince1970: 99_999)))
        #expect(try await store.status(tenant: "acme", id: "waiting")?.destinations.first?.state == .pending)
        #expect(try await store.status(tenant: "acme", id: "new") != nil)
    }

    @Test func pruningNeverLetsASequenceBeReused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger(label: "test"))
        _ = try await store.append([self.event("one", receivedAt: 1), self.event("two", receivedAt: 2)], routes: [["file"], ["file"]])
        let events = try await store.events(in: self.partition, after: 0, limit: 10)
        try await store.commit(DeliveryCommit(partition: self.partition, state: PartitionState(cursor: events[1].sequence)))
        // Everything is delivered and old, yet the newest row stays so the next event cannot
        // take a sequence at or below the cursor.
        #expect(try await store.prune(receivedBefore: Timestamp(millisecondsSince1970: 1000)) == 1)
        _ = try await store.append([self.event("three", receivedAt: 3)], routes: [["file"]])
        #expect(try await store.events(in: self.partition, after: events[1].sequence, limit: 10).map(\.event.id) == ["three"])
    }

    @Test func replayMovesDeadLettersBackAndStatisticsCountThem() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger(label: "test"))
        _ = try await store.append([self.event("a", receivedAt: 1), self.event("b", receivedAt: 2)], routes: [["file"], ["file"]])
        let events = try await store.events(in: self.partition, after: 0, limit: 10)
        let reason = FailureReason(code: "http_404", message: "gone", status: 404)
        try await store.commit(
            DeliveryCommit(
                partition: self.partition,
                state: PartitionState(cursor: events[1].sequence),
                deadLetters: events.map { .init(sequence: $0.sequence, eventID: $0.event.id, attempts: 1, reason: reason, failedAt: Timestamp(millisecondsSince1970: 10)) }
            )
        )
        #expect(try await store.statistics().partitions[self.partition] == .init(backlog: 0, deadLetters: 2))
        let result = try await store.replay(tenant: "acme", selection: .ids(["a", "zzz"], destination: nil), now: Timestamp(millisecondsSince1970: 20))
        #expect(result.replayed == [self.partition: 1])
        #expect(result.notFound == ["zzz"])
        #expect(try await store.dueRetries(in: self.partition, now: Timestamp(millisecondsSince1970: 20), limit: 10).map(\.event.id) == ["a"])
        #expect(try await store.statistics().partitions[self.partition] == .init(backlog: 1, deadLetters: 1))
        let rest = try await store.replay(tenant: "acme", selection: .destination("file", since: Timestamp(millisecondsSince1970: 5)), now: Timestamp(millisecondsSince1970: 20))
        #expect(rest.count == 1)
        #expect(try await store.deadLetters(tenant: "acme", destination: nil, limit: 10).isEmpty)
    }

    @Test func pagesOfDeadLettersNeverSkipAnEventDeadAtSeveralDestinations() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger(label: "test"))
        _ = try await store.append([self.event("a", receivedAt: 1), self.event("b", receivedAt: 2)], routes: [["x", "y"], ["x", "y"]])
        for destination in ["x", "y"] {
            let partition = PartitionKey(tenant: "acme", destination: destination)
            let events = try await store.events(in: partition, after: 0, limit: 10)
            try await store.commit(
                DeliveryCommit(
                    partition: partition,
                    state: PartitionState(cursor: events[1].sequence),
                    deadLetters: events.map {
                        .init(sequence: $0.sequence, eventID: $0.event.id, attempts: 1, reason: FailureReason(code: "c", message: "m"), failedAt: Timestamp(millisecondsSince1970: 5))
                    }
                )
            )
        }
        var seen: [String] = []
        var cursor: DeadLetterCursor?
        while true {
            let page = try await store.deadLetters(tenant: "acme", query: DeadLetterQuery(limit: 1, after: cursor))
            guard let last = page.last else { break }
            seen.append("\(last.eventID)@\(last.partition.destination)")
            cursor = DeadLetterCursor(sequence: last.sequence, destination: last.partition.destination)
            #expect(DeadLetterCursor(cursor?.description ?? "") == cursor)
        }
        #expect(seen == ["b@x", "b@y", "a@x", "a@y"])
    }

    @Test func aVersionOneStoreIsMigrated() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let connection = try await Self.makeVersionOneStore(at: directory.appending("events.sqlite3"))
        #expect(connection)
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger(label: "test"))
        #expect(try await store.events(in: self.partition, after: 0, limit: 10).map(\.event.id) == ["old"])
        // The migration fills in where each old event was routed, so it stays visible and unpruned.
        let status = try await store.status(tenant: "acme", id: "old")
        #expect(status?.destinations.map(\.id) == ["file"])
        #expect(status?.destinations.first?.state == .pending)
    }

    /// Writes a store in the version 1 layout with the sqlite3 shell's SQL, without the store type.
    static func makeVersionOneStore(at path: String) async throws -> Bool {
        let sql = """
            CREATE TABLE events (seq INTEGER PRIMARY KEY, tenant TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL,
                occurred_at INTEGER NOT NULL, received_at INTEGER NOT NULL, properties BLOB NOT NULL, UNIQUE (tenant, id));
            CREATE TABLE routes (tenant TEXT NOT NULL, destination TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (tenant, destination, seq)) WITHOUT ROWID;
            CREATE TABLE partitions (tenant TEXT NOT NULL, destination TEXT NOT NULL, cursor INTEGER NOT NULL DEFAULT 0,
                head_failures INTEGER NOT NULL DEFAULT 0, failing_since INTEGER, PRIMARY KEY (tenant, destination)) WITHOUT ROWID;
            CREATE TABLE retries (tenant TEXT NOT NULL, destination TEXT NOT NULL, seq INTEGER NOT NULL, failures INTEGER NOT NULL,
                next_attempt_at INTEGER NOT NULL, first_failure_at INTEGER NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, status INTEGER,
                PRIMARY KEY (tenant, destination, seq)) WITHOUT ROWID;
            CREATE TABLE dead_letters (tenant TEXT NOT NULL, destination TEXT NOT NULL, seq INTEGER NOT NULL, event_id TEXT NOT NULL,
                attempts INTEGER NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, status INTEGER, failed_at INTEGER NOT NULL,
                PRIMARY KEY (tenant, destination, seq)) WITHOUT ROWID;
            INSERT INTO events VALUES (1, 'acme', 'old', 'cancel', 1, 1, CAST('{}' AS BLOB));
            INSERT INTO routes VALUES ('acme', 'file', 1);
            PRAGMA user_version = 1;
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", path, sql]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
