import RouterCore
import Testing

/// The audit log: append-only, newest first with a cursor and filters, kept across restarts,
/// pruned by age.
extension EventStoreConformance {
    static func auditEntry(at: Int64, action: AuditEntry.Action, tenant: String? = nil, detail: String? = nil) -> AuditEntry {
        AuditEntry(
            at: Timestamp(millisecondsSince1970: at),
            role: .admin,
            address: "127.0.0.1",
            action: action,
            tenant: tenant,
            destination: tenant == nil ? nil : "hook",
            eventID: action == .erase ? "evt-\(at)" : nil,
            detail: detail
        )
    }

    static let auditCases: [Case] = [
        Case(name: "audit entries read back newest first, page by page and filtered, after a restart too") { storage in
            do {
                let store = try await open(storage)
                try await store.appendAudit(auditEntry(at: 1000, action: .signIn))
                try await store.appendAudit(auditEntry(at: 2000, action: .replay, tenant: "acme", detail: "replayed 3"))
                try await store.appendAudit(auditEntry(at: 3000, action: .erase, tenant: "acme", detail: "2 deliveries parked"))
                try await store.appendAudit(auditEntry(at: 4000, action: .erase, tenant: "globex"))
                try await store.appendAudit(
                    AuditEntry(at: Timestamp(millisecondsSince1970: 5000), role: .anonymous, address: nil, action: .signInFailed)
                )
            }
            let store = try await open(storage)
            let all = try await store.audit(query: AuditQuery())
            #expect(all.entries.map(\.at.millisecondsSince1970) == [5000, 4000, 3000, 2000, 1000])
            #expect(all.next == nil)
            let sequences = all.entries.compactMap(\.sequence)
            #expect(sequences.count == 5)
            #expect(sequences == sequences.sorted(by: >))
            var erase = all.entries[2]
            erase.sequence = nil
            #expect(erase == auditEntry(at: 3000, action: .erase, tenant: "acme", detail: "2 deliveries parked"))
            #expect(all.entries[0].role == .anonymous)
            #expect(all.entries[0].address == nil)
            #expect(all.entries[0].tenant == nil)
            // Page by page, nothing skipped or repeated.
            var seen: [Int64] = []
            var before: Int64?
            repeat {
                let page = try await store.audit(query: AuditQuery(limit: 2, before: before))
                #expect(page.entries.count <= 2)
                seen += page.entries.map(\.at.millisecondsSince1970)
                before = page.next
            } while before != nil
            #expect(seen == [5000, 4000, 3000, 2000, 1000])
            #expect(try await store.audit(query: AuditQuery(action: .erase)).entries.map(\.at.millisecondsSince1970) == [4000, 3000])
            #expect(try await store.audit(query: AuditQuery(tenant: "acme")).entries.map(\.at.millisecondsSince1970) == [3000, 2000])
            #expect(try await store.audit(query: AuditQuery(action: .erase, tenant: "acme")).entries.map(\.eventID) == ["evt-3000"])
            #expect(try await store.audit(query: AuditQuery(action: .reveal)).entries.isEmpty)
        },
        Case(name: "audit entries older than the cutoff are pruned, a bounded step at a time") { storage in
            let store = try await open(storage)
            for at in [1000, 2000, 3000, 4000] { try await store.appendAudit(auditEntry(at: Int64(at), action: .reload)) }
            #expect(try await store.pruneAudit(before: Timestamp(millisecondsSince1970: 3500), limit: 2) == 2)
            #expect(try await store.audit(query: AuditQuery()).entries.map(\.at.millisecondsSince1970) == [4000, 3000])
            #expect(try await store.pruneAudit(before: Timestamp(millisecondsSince1970: 3500), step: 1) == 1)
            #expect(try await store.audit(query: AuditQuery()).entries.map(\.at.millisecondsSince1970) == [4000])
            #expect(try await store.pruneAudit(before: Timestamp(millisecondsSince1970: 3500), step: 1) == 0)
        },
    ]
}
