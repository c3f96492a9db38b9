import EventStoreSQLite
import Logging
import RouterConsole
import RouterCore
import RouterTesting
import Synchronization
import Testing

/// What the operator service adds to the store's erasure and audit log: waking the workers whose
/// deliveries were parked, and an audit write that never fails the action it records.
@Suite(.timeLimit(.minutes(2)))
struct OperatorServiceTests {
    /// Keeps every log record, for one logger (no global bootstrap).
    final class RecordingLogHandler: LogHandler, Sendable {
        struct Record: Sendable {
            var level: Logger.Level
            var message: String
            var metadata: Logger.Metadata
        }

        let records = Mutex<[Record]>([])

        var metadata: Logger.Metadata {
            get { [:] }
            set {}
        }
        var logLevel: Logger.Level {
            get { .trace }
            set {}
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { nil }
            set {}
        }

        func log(event: LogEvent) {
            self.records.withLock { $0.append(Record(level: event.level, message: "\(event.message)", metadata: event.metadata ?? [:])) }
        }
    }

    /// The partitions each `wake` call named, in order.
    final class Wakes: Sendable {
        let calls = Mutex<[Set<PartitionKey>]>([])
    }

    static func service(_ store: any EventStore, wakes: Wakes = Wakes(), logger: Logger = Logger.quiet()) -> OperatorService {
        OperatorService(store: store, tenants: { [] }, wake: { partitions in wakes.calls.withLock { $0.append(partitions) } }, liftPause: { _ in }, logger: logger)
    }

    static func event(_ id: String, user: String) -> RetentionEvent {
        RetentionEvent(
            id: id,
            type: .cancel,
            tenant: "acme",
            occurredAt: Timestamp(millisecondsSince1970: 1_000),
            receivedAt: Timestamp(millisecondsSince1970: 2_000),
            encodedProperties: Array(#"{"user_id":"\#(user)"}"#.utf8)
        )
    }

    @Test func erasuresWakeThePartitionsWhoseWaitingDeliveriesWereParked() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger.quiet())
        _ = try await store.append([Self.event("a", user: "u_1"), Self.event("b", user: "u_1"), Self.event("c", user: "u_2")], routes: [["hook"], ["file", "hook"], ["file"]])
        let wakes = Wakes()
        let service = Self.service(store, wakes: wakes)
        let hook = PartitionKey(tenant: "acme", destination: "hook")
        let file = PartitionKey(tenant: "acme", destination: "file")
        #expect(try await service.erase(tenant: "acme", id: "a")?.deadLettered == [hook])
        #expect(wakes.calls.withLock { $0 } == [[hook]])
        #expect(try await service.erase(tenant: "acme", id: "missing") == nil)
        let counted = try await service.eraseMatching(tenant: "acme", property: "user_id", value: "u_1", dryRun: true)
        #expect(counted.matched == 1)
        #expect(wakes.calls.withLock { $0.count } == 2, "a dry run parks nothing")
        #expect(wakes.calls.withLock { $0.last } == [])
        let erased = try await service.eraseMatching(tenant: "acme", property: "user_id", value: "u_1", dryRun: false)
        #expect(erased.deadLettered == [file: 1, hook: 1])
        #expect(wakes.calls.withLock { $0.last } == [file, hook])
    }

    @Test func aRecordedEntryIsReadBackAndAFailedWriteIsLoggedWithoutFailingTheCaller() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteEventStore(directory: directory.path, logger: Logger.quiet())
        let handler = RecordingLogHandler()
        let service = Self.service(store, logger: Logger(label: "test") { _ in handler })
        let entry = AuditEntry(at: Timestamp(millisecondsSince1970: 5_000), role: .admin, address: "10.0.0.7", action: .erase, tenant: "acme", eventID: "a")
        await service.record(entry)
        let page = try await service.audit(query: AuditQuery())
        #expect(page.entries.map(\.eventID) == ["a"])
        #expect(handler.records.withLock { records in records.allSatisfy { $0.level < .error } })
        // Break the store behind its back: the write fails, the caller goes on, the error is logged.
        try SQLiteHarness.execute("DROP TABLE audit", inStoreAt: directory.path)
        await service.record(entry)
        let errors = handler.records.withLock { $0.filter { $0.level == .error } }
        #expect(errors.map(\.message) == ["Audit entry could not be written"])
        #expect(errors.first?.metadata["audit.action"] == "erase")
        #expect(errors.first?.metadata["event.id"] == "a")
    }
}
