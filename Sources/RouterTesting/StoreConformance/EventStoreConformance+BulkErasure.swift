import RouterCore
import Testing

/// Erasing a tenant's events by a property value, a bounded step at a time.
extension EventStoreConformance {
    static let bulkErasureCases: [Case] = [
        Case(name: "erasing by property value takes exactly the matching events of the tenant, and a dry run only counts") { storage in
            let hook = PartitionKey(tenant: "acme", destination: "hook")
            let store = try await open(storage, leasing: [partition, hook, PartitionKey(tenant: "globex", destination: "file")])
            let matching = [
                "plain": #"{"user_id":"u_1","field.cancel.email":"a@example.com"}"#,
                "second": #"{"app_id":"x","user_id":"u_1"}"#,
                "escapedName": #"{"user\u005fid":"u_1"}"#,
                "escapedValue": #"{"user_id":"u\u005f1"}"#,
                "spaced": #"{ "user_id" : "u_1" }"#,
            ]
            let other = [
                "otherUser": #"{"user_id":"u_2"}"#,
                "prefix": #"{"user_id":"u_1x"}"#,
                "otherName": #"{"user.id":"u_1"}"#,
                "nested": #"{"field":{"user_id":"u_1"}}"#,
                "inText": #"{"note":"user_id u_1"}"#,
                "caseDiffers": #"{"user_id":"U_1"}"#,
                "number": #"{"user_id":1}"#,
            ]
            let all = (matching.merging(other) { first, _ in first }).sorted { $0.key < $1.key }
            _ = try await store.append(
                all.enumerated().map { index, item in event(item.key, receivedAt: 1000 + Int64(index), json: item.value) },
                routes: all.map { $0.key == "plain" ? ["file", "hook"] : ["file"] }
            )
            _ = try await store.append([event("plain", tenant: "globex", receivedAt: 5000, json: #"{"user_id":"u_1"}"#)], routes: [["file"]])
            let match = PropertyValueMatch(property: "user_id", value: "u_1")
            let counted = try await store.erasePayloads(tenant: "acme", matching: match, dryRun: true, now: erasedAt, step: 2)
            #expect(counted == BulkErasureResult(dryRun: true, scanned: all.count, matched: matching.count))
            for id in matching.keys { #expect(try await store.status(tenant: "acme", id: id)?.erasedAt == nil, "a dry run changes nothing") }
            let erased = try await store.erasePayloads(tenant: "acme", matching: match, dryRun: false, now: erasedAt, step: 2)
            #expect(erased.matched == matching.count)
            #expect(erased.scanned == all.count)
            #expect(erased.deadLettered == [partition: matching.count, hook: 1])
            for id in matching.keys {
                let status = try await store.status(tenant: "acme", id: id)
                #expect(status?.erasedAt == erasedAt, "\(id) is erased")
                #expect(status?.destinations.allSatisfy { $0.deadReason == .erased } == true)
            }
            for id in other.keys { #expect(try await store.status(tenant: "acme", id: id)?.erasedAt == nil, "\(id) is kept") }
            #expect(try await store.status(tenant: "globex", id: "plain")?.erasedAt == nil, "other tenants are never touched")
            #expect(Set(try await store.head(of: partition, limit: 100).map(\.event.id)) == Set(other.keys))
            // Erased payloads match nothing any more.
            #expect(try await store.erasePayloads(tenant: "acme", matching: match, dryRun: false, now: erasedAt).matched == 0)
        },
        Case(name: "erasing by a number's text takes numbers written exactly so") { storage in
            let store = try await open(storage)
            _ = try await store.append(
                [
                    event("int", receivedAt: 1, json: #"{"field.cancel.account.internal_id":42}"#),
                    event("text", receivedAt: 2, json: #"{"field.cancel.account.internal_id":"42"}"#),
                    event("decimal", receivedAt: 3, json: #"{"field.cancel.account.internal_id":42.0}"#),
                    event("true", receivedAt: 4, json: #"{"field.cancel.account.internal_id":true}"#),
                ],
                routes: [[], [], [], []]
            )
            let result = try await store.erasePayloads(
                tenant: "acme",
                matching: PropertyValueMatch(property: "field.cancel.account.internal_id", value: "42"),
                dryRun: false,
                now: erasedAt
            )
            #expect(result.matched == 2)
            #expect(result.deadLettered.isEmpty, "routed nowhere: nothing was waiting")
            #expect(try await store.status(tenant: "acme", id: "int")?.erasedAt == erasedAt)
            #expect(try await store.status(tenant: "acme", id: "text")?.erasedAt == erasedAt)
            #expect(try await store.status(tenant: "acme", id: "decimal")?.erasedAt == nil)
            #expect(try await store.status(tenant: "acme", id: "true")?.erasedAt == nil)
        },
        Case(name: "each erasure step looks at a bounded number of events and says where to go on") { storage in
            let store = try await open(storage)
            _ = try await store.append(
                (0..<5).map { event("e\($0)", receivedAt: Int64($0), json: #"{"user_id":"u_\#($0 % 2)"}"#) },
                routes: Array(repeating: [], count: 5)
            )
            let match = PropertyValueMatch(property: "user_id", value: "u_0")
            let first = try await store.erasePayloads(tenant: "acme", matching: match, after: 0, limit: 2, dryRun: false, now: erasedAt)
            #expect(first.scanned == 2)
            #expect(first.matched == 1)
            let next = try #require(first.next)
            let second = try await store.erasePayloads(tenant: "acme", matching: match, after: next, limit: 2, dryRun: true, now: erasedAt)
            #expect(second.scanned == 2)
            #expect(second.matched == 1)
            let last = try await store.erasePayloads(tenant: "acme", matching: match, after: try #require(second.next), limit: 2, dryRun: true, now: erasedAt)
            #expect(last.scanned == 1)
            #expect(last.matched == 1)
            #expect(last.next == nil)
        },
    ]
}
