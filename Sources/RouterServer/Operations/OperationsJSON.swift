import RouterCore

/// The JSON shapes of the operator API.
enum OperationsJSON {
    static func number(_ value: Int64) -> JSONValue { .number(JSONNumber(value)) }

    static func reason(_ reason: FailureReason) -> JSONValue {
        var members: [String: JSONValue] = ["code": .string(reason.code), "message": .string(reason.message)]
        if let status = reason.status { members["status"] = Self.number(Int64(status)) }
        return .object(members)
    }

    static func attempt(_ attempt: AttemptRecord) -> JSONValue {
        var members: [String: JSONValue] = [
            "attempt": Self.number(Int64(attempt.attempt)),
            "at": .string(attempt.at.iso8601),
            "outcome": .string(attempt.outcome.rawValue),
            "latencyMs": Self.number(attempt.latencyMilliseconds),
        ]
        if let reason = attempt.reason {
            members["error"] = Self.reason(reason)
            if let status = reason.status { members["status"] = Self.number(Int64(status)) }
        }
        return .object(members)
    }

    static func status(_ status: EventStatus) -> JSONValue {
        let destinations = status.destinations.map { destination -> JSONValue in
            var members: [String: JSONValue] = [
                "id": .string(destination.id),
                "state": .string(destination.state.name),
                "attempts": .array(destination.attempts.map(Self.attempt)),
            ]
            if case .retrying(let next?) = destination.state { members["nextAttemptAt"] = .string(next.iso8601) }
            if let reason = destination.deadReason { members["deadReason"] = Self.reason(reason) }
            return .object(members)
        }
        let event = status.event
        var members: [String: JSONValue] = [
            "id": .string(event.id),
            "type": .string(event.type.rawValue),
            "tenant": .string(event.tenant),
            "occurred_at": .string(event.occurredAt.iso8601),
            "received_at": .string(event.receivedAt.iso8601),
        ]
        // An erased event has no properties to show: `properties` is left out, not `{}`.
        if let erasedAt = status.erasedAt {
            members["erasedAt"] = .string(erasedAt.iso8601)
        } else {
            members["properties"] = .object(event.properties)
        }
        return ["event": .object(members), "destinations": .array(destinations)]
    }

    static func deadLetter(_ record: DeadLetterRecord) -> JSONValue {
        [
            "id": .string(record.eventID),
            "destination": .string(record.partition.destination),
            "attempts": Self.number(Int64(record.attempts)),
            "failedAt": .string(record.failedAt.iso8601),
            "reason": Self.reason(record.reason),
        ]
    }
}
