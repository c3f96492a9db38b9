import RouterCore
import Synchronization

/// The console's live tail of a tenant's events, as Server-Sent Events.
///
/// The tail reads new events from the store (so it shows events any instance accepted), at
/// most once a second and only after a notice or every `pollInterval`, and sends at most
/// `maxEventsPerSecond` of them; the rest are counted in a `skipped` message ("N more not
/// shown") so a busy tenant floods neither the browser nor the store. Each event carries its
/// sequence as the SSE id: a browser that reconnects (the stream ends after `lifetime`) or
/// resumes after a pause continues where it left off. No property is ever sent.
public final class LiveTail: Sendable {
    /// Most events one second of the stream shows.
    public static let maxEventsPerSecond = 50
    /// Most new events one read looks at; beyond it the count of skipped ones is a lower bound.
    public static let readLimit = 200
    /// How long one stream lasts before the browser reconnects (and its session is checked again).
    public static let lifetime: Duration = .seconds(300)
    /// How often an idle stream sends a comment, so proxies keep it open.
    public static let heartbeat: Duration = .seconds(15)
    /// How often the store is read without a notice (a notice missed by a restarting listener).
    public static let pollInterval: Duration = .seconds(5)
    /// Most streams open at once on one instance.
    public static let maxStreams = 32

    /// How far below the newest sequence the tail still looks for events it has not shown: on a
    /// store several instances write, an event can become visible after one with a later
    /// sequence (its commit landed later), and it must still appear.
    public static let lateWindow: Int64 = 2_000

    /// Where a stream stands: events at or below `floor` are never shown; `seen` holds the
    /// sequences above it already shown or counted.
    public struct Cursor: Sendable, Equatable {
        public var floor: Int64
        public var seen: Set<Int64> = []

        /// A cursor that shows only events after `sequence`.
        public init(after sequence: Int64) {
            self.floor = sequence
        }
    }

    /// What one read found.
    public struct Batch: Sendable, Equatable {
        /// New events to show, oldest first, at most `maxEventsPerSecond`.
        public var shown: [EventPage.Entry]
        /// New events not shown.
        public var skipped: Int
        /// True when more events arrived than one read looks at: `skipped` is a lower bound.
        public var skippedAtLeast: Bool
        /// The highest sequence shown or counted so far: where a resumed stream continues.
        public var watermark: Int64
    }

    let store: any EventStore
    let broadcast: ArrivalBroadcast
    private let open = Atomic<Int>(0)

    /// Creates the tail over `store`, woken by `broadcast`.
    public init(store: any EventStore, broadcast: ArrivalBroadcast) {
        self.store = store
        self.broadcast = broadcast
    }

    /// The newest sequence the tenant has (0 when it has none): where a new tail starts.
    public func newestSequence(tenant: String) async throws -> Int64 {
        try await self.store.events(tenant: tenant, query: EventQuery(limit: 1, scanLimit: 1)).entries.first?.sequence ?? 0
    }

    /// The tenant's events the cursor has not shown, capped; advances the cursor.
    public func read(tenant: String, cursor: inout Cursor) async throws -> Batch {
        let page = try await self.store.events(tenant: tenant, query: EventQuery(limit: Self.readLimit, scanLimit: Self.readLimit))
        let new = page.entries.filter { $0.sequence > cursor.floor && !cursor.seen.contains($0.sequence) }
        // The newest ones are shown; the older rest of this burst is counted.
        let shown = Array(new.prefix(Self.maxEventsPerSecond).reversed())
        let saturated = !new.isEmpty && new.count == page.entries.count && page.next != nil
        cursor.seen.formUnion(new.map(\.sequence))
        if let newest = page.entries.first?.sequence {
            cursor.floor = max(cursor.floor, newest - Self.lateWindow)
            cursor.seen = cursor.seen.filter { $0 > cursor.floor }
        }
        let watermark = cursor.seen.max() ?? cursor.floor
        return Batch(shown: shown, skipped: new.count - shown.count, skippedAtLeast: saturated, watermark: watermark)
    }

    /// Reserves one of the instance's stream slots; false when all are taken.
    public func reserve() -> Bool {
        let now = self.open.add(1, ordering: .relaxed).newValue
        if now > Self.maxStreams {
            self.open.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives a slot back.
    public func release() {
        self.open.subtract(1, ordering: .relaxed)
    }

    /// Ends running streams early (the server is stopping).
    public final class Stop: Sendable {
        private let stopped = Atomic<Bool>(false)
        /// Creates a flag that is not set.
        public init() {}
        /// Sets the flag; the stream ends within a fraction of a second.
        public func stop() { self.stopped.store(true, ordering: .releasing) }
        /// True once set.
        public var isStopped: Bool { self.stopped.load(ordering: .acquiring) }
    }

    /// Streams the tenant's events after `after` to `write` as SSE text until `lifetime`
    /// passes, `stop` is set (the server stops), the task is cancelled or `write` throws (the
    /// browser left).
    public func run(tenant: String, after: Int64, stop: Stop, write: (String) async throws -> Void) async throws {
        let subscription = self.broadcast.subscribe(tenant: tenant)
        defer { self.broadcast.cancel(subscription) }
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: Self.lifetime)
        var cursor = Cursor(after: after)
        var lastRead = clock.now.advanced(by: .seconds(-1))
        var lastWrite = clock.now
        try await write("retry: 2000\n: tail of \(tenant) after \(after)\n\n")
        while !Task.isCancelled, !stop.isStopped, clock.now < end {
            if subscription.takeNotice() || clock.now - lastRead >= Self.pollInterval {
                // At most one read (and so at most `maxEventsPerSecond` events) a second.
                let wait = lastRead.advanced(by: .seconds(1)) - clock.now
                if wait > .zero { try await Task.sleep(for: wait) }
                lastRead = clock.now
                let batch = try await self.read(tenant: tenant, cursor: &cursor)
                let watermark = batch.watermark
                var text = ""
                for entry in batch.shown {
                    text += "id: \(entry.sequence)\nevent: arrival\ndata: \(JSONWriter.serialize(Self.json(entry)).string)\n\n"
                }
                if batch.skipped > 0 {
                    let skipped: JSONValue = ["count": .number(JSONNumber(Int64(batch.skipped))), "atLeast": .bool(batch.skippedAtLeast)]
                    text += "id: \(watermark)\nevent: skipped\ndata: \(JSONWriter.serialize(skipped).string)\n\n"
                }
                if !text.isEmpty {
                    try await write(text)
                    lastWrite = clock.now
                }
            }
            if clock.now - lastWrite >= Self.heartbeat {
                try await write(": heartbeat\n\n")
                lastWrite = clock.now
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// One event as the tail shows it: no property, only what the events list shows.
    static func json(_ entry: EventPage.Entry) -> JSONValue {
        [
            "sequence": .number(JSONNumber(entry.sequence)),
            "id": .string(entry.id),
            "type": .string(entry.type.rawValue),
            "receivedAt": .string(entry.receivedAt.iso8601),
            "destinations": .array(entry.destinations.map { ["id": .string($0.id), "state": .string($0.state.rawValue)] }),
        ]
    }
}

extension Array where Element == UInt8 {
    fileprivate var string: String { String(decoding: self, as: UTF8.self) }
}
