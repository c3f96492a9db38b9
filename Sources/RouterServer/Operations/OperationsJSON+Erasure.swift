import RouterCore

/// The JSON shapes of erasure and the audit log.
extension OperationsJSON {
    static func erasure(_ result: ErasureResult) -> JSONValue {
        [
            "id": .string(result.id),
            "erasedAt": .string(result.erasedAt.iso8601),
            "alreadyErased": .bool(result.alreadyErased),
            "deadLettered": .array(result.deadLettered.map(\.destination).sorted().map { .string($0) }),
        ]
    }

    static func bulkErasure(_ result: BulkErasureResult) -> JSONValue {
        if result.dryRun {
            return ["dryRun": true, "matched": Self.number(Int64(result.matched)), "scanned": Self.number(Int64(result.scanned))]
        }
        return [
            "dryRun": false,
            "erased": Self.number(Int64(result.matched)),
            "scanned": Self.number(Int64(result.scanned)),
            "deadLettered": .object(Dictionary(uniqueKeysWithValues: result.deadLettered.map { ($0.key.destination, Self.number(Int64($0.value))) })),
        ]
    }

    static func auditEntry(_ entry: AuditEntry) -> JSONValue {
        var members: [String: JSONValue] = [
            "at": .string(entry.at.iso8601),
            "role": .string(entry.role.rawValue),
            "action": .string(entry.action.rawValue),
        ]
        if let sequence = entry.sequence { members["sequence"] = Self.number(sequence) }
        if let address = entry.address { members["address"] = .string(address) }
        if let tenant = entry.tenant { members["tenant"] = .string(tenant) }
        if let destination = entry.destination { members["destination"] = .string(destination) }
        if let eventID = entry.eventID { members["eventId"] = .string(eventID) }
        if let detail = entry.detail { members["detail"] = .string(detail) }
        return .object(members)
    }

    static func auditPage(_ page: AuditPage) -> JSONValue {
        var members: [String: JSONValue] = ["entries": .array(page.entries.map(Self.auditEntry))]
        if let next = page.next { members["next"] = .string(String(next)) }
        return .object(members)
    }
}
