import RouterCore
import Testing

/// The operator console's event list: newest first, filtered, paged and bounded.
extension EventStoreConformance {
    /// An event with its own properties, given as JSON object text.
    static func event(_ id: String, type: RetentionEventType = .cancel, tenant: String = "acme", receivedAt: Int64, json: String) -> RetentionEvent {
        RetentionEvent(
            id: id,
            type: type,
            tenant: tenant,
            occurredAt: Timestamp(millisecondsSince1970: receivedAt - 500),
            receivedAt: Timestamp(millisecondsSince1970: receivedAt),
            encodedProperties: Array(json.utf8)
        )
    }

    /// The ids of a page.
    static func ids(_ store: any EventStore, _ query: EventQuery, tenant: String = "acme") async throws -> [String] {
        try await store.events(tenant: tenant, query: query).entries.map(\.id)
    }

    static let eventListCases: [Case] = [
        Case(name: "events list newest first, and each filter narrows the list") { storage in
            let hook = PartitionKey(tenant: "acme", destination: "hook")
            let store = try await open(storage, leasing: [partition, hook, PartitionKey(tenant: "globex", destination: "file")])
            _ = try await store.append(
                [
                    event("a", type: .cancel, receivedAt: 1000), event("b", type: .save, receivedAt: 2000),
                    event("c", type: .cancel, receivedAt: 3000), event("d", type: .save, receivedAt: 4000),
                    event("a", tenant: "globex", receivedAt: 5000),
                ],
                routes: [["file"], ["file", "hook"], ["hook"], [], ["file"]]
            )
            let all = try await store.events(tenant: "acme", query: EventQuery())
            #expect(all.entries.map(\.id) == ["d", "c", "b", "a"])
            #expect(all.next == nil)
            #expect(all.scanned == 4)
            #expect(all.scannedBackTo == Timestamp(millisecondsSince1970: 1000))
            let b = all.entries[2]
            #expect(b.type == .save)
            #expect(b.receivedAt == Timestamp(millisecondsSince1970: 2000))
            #expect(b.occurredAt == Timestamp(millisecondsSince1970: 1_604_623_990_886))
            #expect(b.destinations == [.init(id: "file", state: .pending), .init(id: "hook", state: .pending)])
            #expect(all.entries[0].destinations.isEmpty)
            #expect(all.entries.map(\.sequence) == all.entries.map(\.sequence).sorted(by: >))

            #expect(try await ids(store, EventQuery(id: "b")) == ["b"])
            #expect(try await ids(store, EventQuery(id: "missing")).isEmpty)
            #expect(try await ids(store, EventQuery(type: .save)) == ["d", "b"])
            #expect(try await ids(store, EventQuery(destination: "file")) == ["b", "a"])
            #expect(try await ids(store, EventQuery(destination: "hook")) == ["c", "b"])
            #expect(try await ids(store, EventQuery(destination: "nowhere")).isEmpty)
            #expect(try await ids(store, EventQuery(from: Timestamp(millisecondsSince1970: 2000))) == ["d", "c", "b"])
            #expect(try await ids(store, EventQuery(to: Timestamp(millisecondsSince1970: 3000))) == ["b", "a"])
            #expect(try await ids(store, EventQuery(from: Timestamp(millisecondsSince1970: 2000), to: Timestamp(millisecondsSince1970: 4000))) == ["c", "b"])
            #expect(try await ids(store, EventQuery(from: Timestamp(millisecondsSince1970: 9000))).isEmpty)
            #expect(try await ids(store, EventQuery(before: all.entries[1].sequence)) == ["b", "a"])
            #expect(try await ids(store, EventQuery(id: "b", type: .cancel)).isEmpty)
            #expect(try await ids(store, EventQuery(type: .cancel, destination: "hook", from: Timestamp(millisecondsSince1970: 2000))) == ["c"])
            // Another tenant's events, also one with the same id, never show.
            #expect(try await ids(store, EventQuery(), tenant: "globex") == ["a"])
            #expect(try await store.events(tenant: "globex", query: EventQuery(id: "a")).entries.first?.receivedAt == Timestamp(millisecondsSince1970: 5000))
            #expect(try await ids(store, EventQuery(), tenant: "initech").isEmpty)
        },
        Case(name: "the state filter finds pending, delivered, retrying, dead and unrouted events") { storage in
            let hook = PartitionKey(tenant: "acme", destination: "hook")
            let store = try await open(storage, leasing: [partition, hook])
            _ = try await store.append(
                [event("a", receivedAt: 1), event("b", receivedAt: 2), event("c", receivedAt: 3), event("d", receivedAt: 4), event("e", receivedAt: 5), event("f", receivedAt: 6)],
                routes: [["file"], ["file"], ["file", "hook"], ["file"], ["hook"], []]
            )
            let head = try await store.head(of: partition, limit: 10)
            let at = Timestamp(millisecondsSince1970: 1_700_000_000_000)
            let reason = FailureReason(code: "http_500", message: "down", status: 500)
            // a delivered, b retrying, c dead at file; d still waiting there.
            try await store.commit(
                DeliveryCommit(
                    partition: partition,
                    state: PartitionState(),
                    taken: head.prefix(3).map(\.sequence),
                    retries: [.init(sequence: head[1].sequence, failures: 1, nextAttempt: at.adding(.seconds(60)), firstFailure: at, reason: reason)],
                    deadLetters: [.init(sequence: head[2].sequence, eventID: "c", attempts: 3, reason: reason, failedAt: at)]
                )
            )
            #expect(try await ids(store, EventQuery(destination: "file", state: .pending)) == ["d"])
            #expect(try await ids(store, EventQuery(destination: "file", state: .delivered)) == ["a"])
            #expect(try await ids(store, EventQuery(destination: "file", state: .retrying)) == ["b"])
            #expect(try await ids(store, EventQuery(destination: "file", state: .dead)) == ["c"])
            #expect(try await ids(store, EventQuery(destination: "file", state: .notRouted)) == ["f", "e"])
            #expect(try await ids(store, EventQuery(destination: "hook", state: .notRouted)) == ["f", "d", "b", "a"])
            #expect(try await ids(store, EventQuery(destination: "hook", state: .pending)) == ["e", "c"])
            // Without a destination: in that state at any destination; not routed: routed nowhere.
            #expect(try await ids(store, EventQuery(state: .pending)) == ["e", "d", "c"])
            #expect(try await ids(store, EventQuery(state: .dead)) == ["c"])
            #expect(try await ids(store, EventQuery(state: .notRouted)) == ["f"])
            #expect(try await ids(store, EventQuery(type: .save, state: .pending)).isEmpty)
            let c = try #require(try await store.events(tenant: "acme", query: EventQuery(id: "c")).entries.first)
            #expect(c.destinations == [.init(id: "file", state: .dead), .init(id: "hook", state: .pending)])
            let page = try await store.events(tenant: "acme", query: EventQuery(destination: "file"))
            #expect(page.entries.map { $0.destinations.map(\.state) } == [[.pending], [.dead, .pending], [.retrying], [.delivered]])
        },
        Case(name: "event pages continue without overlap or gaps, and a call examines at most its scan limit") { storage in
            let store = try await open(storage)
            let events = (0..<25).map { event("e\($0)", type: $0 == 0 ? .save : .cancel, receivedAt: 1000 + Int64($0)) }
            _ = try await store.append(events, routes: events.map { _ in ["file"] })
            let newestFirst = events.reversed().map(\.id)
            for limit in [5, 7] {
                var seen: [String] = []
                var before: Int64?
                var pages = 0
                repeat {
                    let page = try await store.events(tenant: "acme", query: EventQuery(limit: limit, before: before))
                    #expect(page.entries.count <= limit)
                    seen += page.entries.map(\.id)
                    before = page.next
                    pages += 1
                } while before != nil && pages < 20
                #expect(seen == newestFirst, "limit \(limit)")
                #expect(pages == (25 + limit - 1) / limit, "the last full page knows it is the last")
            }
            // Only the oldest event is a save: each call stops after ten rows and says where it got to.
            let first = try await store.events(tenant: "acme", query: EventQuery(type: .save, scanLimit: 10))
            #expect(first.entries.isEmpty)
            #expect(first.scanned == 10)
            #expect(first.scannedBackTo == Timestamp(millisecondsSince1970: 1015))
            let page = try await store.events(tenant: "acme", query: EventQuery(limit: 50, scanLimit: 10))
            #expect(first.next == page.entries.last?.sequence)
            var found: [String] = []
            var calls = 1
            var next = first.next
            while let before = next, calls < 10 {
                let more = try await store.events(tenant: "acme", query: EventQuery(type: .save, before: before, scanLimit: 10))
                #expect(more.scanned <= 10)
                found += more.entries.map(\.id)
                next = more.next
                calls += 1
            }
            #expect(found == ["e0"])
            #expect(calls == 3)
            // The limit ends a page before the scan limit does.
            let two = try await store.events(tenant: "acme", query: EventQuery(type: .cancel, limit: 2))
            #expect(two.entries.map(\.id) == ["e24", "e23"])
            #expect(two.scanned == 2)
            #expect(two.next == two.entries.last?.sequence)
        },
        Case(name: "the text filter matches top-level property values, ignoring case") { storage in
            let store = try await open(storage)
            // Long enough that a store compressing properties does so.
            let padding = String(repeating: "x", count: 300)
            let events = [
                event("a", receivedAt: 1, json: #"{"plan":"Premium Annual","seats":12,"trial":false,"pad":"\#(padding)"}"#),
                event("b", receivedAt: 2, json: #"{"plan":"basic","note":"wants PREMIUM support","pad":"\#(padding)"}"#),
                event("c", receivedAt: 3, json: #"{"nested":{"plan":"premium"},"premium":"no","list":["premium"]}"#),
                event("d", receivedAt: 4, json: #"{"city":"Zürich","pad":"\#(padding)"}"#),
                event("e", receivedAt: 5, json: #"{"quote":"say \"hi\"","town":"Z\u00fcrich"}"#),
                event("f", receivedAt: 6, json: #"{"amount":1.50,"flag":true}"#),
            ]
            _ = try await store.append(events, routes: events.map { _ in ["file"] })
            #expect(try await ids(store, EventQuery(text: "premium")) == ["b", "a"])
            #expect(try await ids(store, EventQuery(text: "PREMIUM ANN")) == ["a"])
            #expect(try await ids(store, EventQuery(text: "12")) == ["a"])
            #expect(try await ids(store, EventQuery(text: "1")).isEmpty)
            #expect(try await ids(store, EventQuery(text: "false")) == ["a"])
            #expect(try await ids(store, EventQuery(text: "true")) == ["f"])
            #expect(try await ids(store, EventQuery(text: "1.50")) == ["f"])
            #expect(try await ids(store, EventQuery(text: "1.5")).isEmpty)
            #expect(try await ids(store, EventQuery(text: "ZÜRICH")) == ["e", "d"])
            #expect(try await ids(store, EventQuery(text: #""hi""#)) == ["e"])
            #expect(try await ids(store, EventQuery(text: "plan")).isEmpty)
            #expect(try await ids(store, EventQuery(text: "nothing like it")).isEmpty)
            #expect(try await ids(store, EventQuery(destination: "file", text: "premium")) == ["b", "a"])
            let one = try await store.events(tenant: "acme", query: EventQuery(text: "premium", limit: 1))
            #expect(one.entries.map(\.id) == ["b"])
            #expect(one.scanned == 5)
            #expect(try await ids(store, EventQuery(text: "premium", before: one.next)) == ["a"])
        },
    ]
}
