import RouterCore
import Synchronization

/// Erasure and the audit log.
extension InMemoryEventStore {
    public func erasePayload(tenant: String, id: String, now: Timestamp) async throws -> ErasureResult? {
        self.database.state.withLock { state in
            guard let sequence = state.sequences[.init(tenant: tenant, id: id)], let event = state.events[sequence] else { return nil }
            if let erasedAt = event.erasedAt {
                return ErasureResult(id: id, sequence: sequence, erasedAt: erasedAt, alreadyErased: true, deadLettered: [])
            }
            let parked = state.erase(sequence, now: now)
            return ErasureResult(
                id: id,
                sequence: sequence,
                erasedAt: now,
                alreadyErased: false,
                deadLettered: Set(parked.map { PartitionKey(tenant: tenant, destination: $0) })
            )
        }
    }

    public func erasePayloads(
        tenant: String,
        matching match: PropertyValueMatch,
        after: Int64,
        limit: Int,
        dryRun: Bool,
        now: Timestamp
    ) async throws -> ErasureProgress {
        let limit = max(1, limit)
        return self.database.state.withLock { state in
            let step = state.order.filter { $0 > after && state.events[$0]?.tenant == tenant }.prefix(limit)
            let matches = step.filter { sequence in
                state.events[sequence].map { $0.erasedAt == nil && match.matches($0.properties) } ?? false
            }
            var deadLettered: [PartitionKey: Int] = [:]
            if !dryRun {
                for sequence in matches {
                    for destination in state.erase(sequence, now: now) {
                        deadLettered[PartitionKey(tenant: tenant, destination: destination), default: 0] += 1
                    }
                }
            }
            return ErasureProgress(scanned: step.count, matched: matches.count, deadLettered: deadLettered, next: step.count < limit ? nil : step.last)
        }
    }

    /// Nothing outlives the records here.
    public func purgeErasedRemnants() async throws {}

    public func appendAudit(_ entry: AuditEntry) async throws {
        self.database.state.withLock { state in
            var stored = entry
            stored.sequence = state.nextAuditSequence
            state.nextAuditSequence += 1
            state.audit.append(stored)
        }
    }

    public func audit(query: AuditQuery) async throws -> AuditPage {
        self.database.state.withLock { state in
            let entries = state.audit.reversed().filter { entry in
                (query.action.map { entry.action == $0 } ?? true) && (query.tenant.map { entry.tenant == $0 } ?? true)
                    && (query.before.map { (entry.sequence ?? 0) < $0 } ?? true)
            }.prefix(query.boundedLimit)
            return AuditPage(entries: Array(entries), next: entries.count == query.boundedLimit ? entries.last?.sequence : nil)
        }
    }

    public func pruneAudit(before cutoff: Timestamp, limit: Int) async throws -> Int {
        self.database.state.withLock { state in
            let doomed = Set(state.audit.filter { $0.at < cutoff }.sorted { $0.at < $1.at }.prefix(max(1, limit)).compactMap(\.sequence))
            state.audit.removeAll { $0.sequence.map(doomed.contains) ?? false }
            return doomed.count
        }
    }
}
