import RouterConsole
import RouterCore
import Signing

/// The JSON shapes of the routes the console shares with scripts.
extension OperationsJSON {
    static func tenant(_ tenant: TenantConfiguration) -> JSONValue {
        var members: [String: JSONValue] = [
            "name": .string(tenant.name),
            "scheme": .string(tenant.ingest.scheme.rawValue),
            "destinations": .array(
                tenant.destinations.map { destination in
                    var members: [String: JSONValue] = ["id": .string(destination.id), "type": .string(destination.type)]
                    if let events = destination.events { members["events"] = .array(events.map(\.rawValue).sorted().map { .string($0) }) }
                    return .object(members)
                }
            ),
        ]
        if let description = tenant.description { members["description"] = .string(description) }
        return .object(members)
    }

    static func eventPage(_ page: EventPage) -> JSONValue {
        var members: [String: JSONValue] = [
            "events": .array(
                page.entries.map { entry in
                    var members: [String: JSONValue] = [
                        "id": .string(entry.id),
                        "type": .string(entry.type.rawValue),
                        "sequence": Self.number(entry.sequence),
                        "occurred_at": .string(entry.occurredAt.iso8601),
                        "received_at": .string(entry.receivedAt.iso8601),
                        "destinations": .object(Dictionary(uniqueKeysWithValues: entry.destinations.map { ($0.id, JSONValue.string($0.state.rawValue)) })),
                    ]
                    if let erasedAt = entry.erasedAt { members["erasedAt"] = .string(erasedAt.iso8601) }
                    return .object(members)
                }
            ),
            "scanned": Self.number(Int64(page.scanned)),
        ]
        if let next = page.next { members["next"] = .string(String(next)) }
        if let back = page.scannedBackTo { members["scannedBackTo"] = .string(back.iso8601) }
        return .object(members)
    }

    static func overview(_ row: DestinationOverview) -> JSONValue {
        var members: [String: JSONValue] = [
            "tenant": .string(row.partition.tenant),
            "destination": .string(row.partition.destination),
            "configured": .bool(row.type != nil),
            "state": .string(row.condition.rawValue),
            "delivered5m": Self.number(Int64(row.delivered5m)),
            "failed5m": Self.number(Int64(row.failed5m)),
            "delivered1h": Self.number(Int64(row.delivered1h)),
            "failed1h": Self.number(Int64(row.failed1h)),
            "backlog": Self.number(Int64(row.backlog)),
            "retrying": Self.number(Int64(row.retrying)),
            "deadLetters": Self.number(Int64(row.deadLetters)),
            "countCap": Self.number(Int64(PartitionHealth.countCap)),
            "perMinute": .array(
                row.minutes.map { minute in
                    ["start": .string(minute.start.iso8601), "delivered": Self.number(Int64(minute.delivered)), "failed": Self.number(Int64(minute.failed))]
                }
            ),
        ]
        if let type = row.type { members["type"] = .string(type) }
        if let rate = row.failureRate, let number = JSONNumber((rate * 10_000).rounded() / 10_000) { members["failureRate"] = .number(number) }
        if let p95 = row.p95Milliseconds { members["p95LatencyMs"] = Self.number(p95) }
        if let since = row.failingSince { members["failingSince"] = .string(since.iso8601) }
        if let until = row.pausedUntil { members["pausedUntil"] = .string(until.iso8601) }
        if let oldest = row.oldestWaiting { members["oldestWaiting"] = .string(oldest.iso8601) }
        if let failure = row.lastFailure {
            var last = Self.reason(failure.reason).objectValue ?? [:]
            last["at"] = .string(failure.at.iso8601)
            if let hint = row.hint { last["hint"] = .string(hint) }
            members["lastFailure"] = .object(last)
        }
        return .object(members)
    }

    /// The event status with, per destination of the tenant, why it stands where it does.
    static func explainedStatus(_ status: EventStatus, detail: EventDetail) -> JSONValue {
        guard case .object(var members) = Self.status(status), case .array(let routed)? = members["destinations"] else { return Self.status(status) }
        let explanations = Dictionary(detail.destinations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        members["destinations"] = .array(
            routed.map { value in
                guard case .object(var destination) = value, case .string(let id)? = destination["id"], let explained = explanations[id] else { return value }
                destination["why"] = .string(explained.why)
                if let hint = explained.hint { destination["hint"] = .string(hint) }
                return .object(destination)
            }
        )
        members["notRouted"] = .array(
            detail.destinations.filter { $0.state == EventQuery.State.notRouted.rawValue }.map { ["id": .string($0.id), "why": .string($0.why)] }
        )
        return .object(members)
    }

    static func configuration(_ view: ConfigurationView) -> JSONValue {
        [
            "tenants": .array(
                view.tenants.map { tenant in
                    var members: [String: JSONValue] = [
                        "name": .string(tenant.name),
                        "file": .string(tenant.file),
                        "scheme": .string(tenant.scheme),
                        "secrets": .array(tenant.secrets.map { .string($0) }),
                        "maskProperties": .array(tenant.maskProperties.map { .string($0) }),
                        "destinations": .array(
                            tenant.destinations.map { destination in
                                var members: [String: JSONValue] = [
                                    "id": .string(destination.id),
                                    "type": .string(destination.type),
                                    "events": .string(destination.events),
                                    "settings": (try? JSONParser.parse(Array(destination.settings.utf8))) ?? .null,
                                ]
                                if let transform = destination.transform { members["transform"] = (try? JSONParser.parse(Array(transform.utf8))) ?? .null }
                                return .object(members)
                            }
                        ),
                    ]
                    if let description = tenant.description { members["description"] = .string(description) }
                    if let rateLimit = tenant.rateLimit { members["rateLimit"] = .string(rateLimit) }
                    return .object(members)
                }
            )
        ]
    }

    static func testSend(_ report: TestSendReport) -> JSONValue {
        var members: [String: JSONValue] = [
            "outcome": .string(report.outcome),
            "eventId": .string(report.eventID),
            "type": .string(report.type),
            "latencyMs": Self.number(report.latencyMilliseconds),
        ]
        if let status = report.status { members["status"] = Self.number(Int64(status)) }
        if let code = report.code { members["code"] = .string(code) }
        if let response = report.response { members["response"] = .string(response) }
        if let hint = report.hint { members["hint"] = .string(hint) }
        return .object(members)
    }
}
