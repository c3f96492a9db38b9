import EventStoreSQLite
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
