import RouterCore

/// An event's status as an operator is shown it: with the tenant's `console.maskProperties`
/// hidden as `••••` in the properties and, by value, in every response excerpt and error
/// message, unless an admin asked to reveal them.
public struct MaskedStatus: Sendable {
    /// The status to show: masked unless revealed.
    public var status: EventStatus
    /// The event as stored (for previews, which are made from it and then redacted).
    public var original: RetentionEvent
    /// The status as stored, for the explanations: routing decides on the real values.
    private let unmasked: EventStatus
    /// The hidden values, to redact from texts made from the original.
    public var hidden: [String]
    /// True when the tenant masks properties and they were not revealed.
    public var isMasked: Bool

    /// Masks `status` with `mask`; with `reveal`, shows everything.
    public init(_ status: EventStatus, mask: PropertyMask, reveal: Bool) {
        self.original = status.event
        self.unmasked = status
        guard !mask.isEmpty, !reveal else {
            self.status = status
            self.hidden = []
            self.isMasked = false
            return
        }
        let event = status.event
        let (text, hidden) = mask.hide(inProperties: event.propertiesJSON)
        var masked = status
        masked.event = RetentionEvent(
            id: event.id,
            type: event.type,
            tenant: event.tenant,
            occurredAt: event.occurredAt,
            receivedAt: event.receivedAt,
            encodedProperties: text
        )
        masked.destinations = status.destinations.map { destination in
            var destination = destination
            destination.attempts = destination.attempts.map { attempt in
                var attempt = attempt
                attempt.reason = attempt.reason.map { Self.redact($0, hidden) }
                return attempt
            }
            destination.deadReason = destination.deadReason.map { Self.redact($0, hidden) }
            return destination
        }
        self.status = masked
        self.hidden = hidden
        self.isMasked = true
    }

    /// Where the event stands at each destination and why, explained from the real values
    /// (a `where` on a masked property decides on the value, not on `••••`), and shown masked.
    public func detail(tenant: TenantConfiguration?) -> EventDetail {
        var detail = EventDetail(status: self.unmasked, tenant: tenant)
        guard self.isMasked else { return detail }
        detail.event = self.status.event
        let masked = Dictionary(self.status.destinations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        detail.destinations = detail.destinations.map { destination in
            var destination = destination
            destination.why = self.redact(destination.why)
            destination.hint = destination.hint.map(self.redact)
            if let shown = masked[destination.id] { destination.attempts = shown.attempts }
            return destination
        }
        return detail
    }

    /// `text` made from the original event, with the hidden values redacted.
    public func redact(_ text: String) -> String {
        PropertyMask.redact(text, hiding: self.hidden)
    }

    private static func redact(_ reason: FailureReason, _ hidden: [String]) -> FailureReason {
        var reason = reason
        reason.message = PropertyMask.redact(reason.message, hiding: hidden)
        return reason
    }
}

extension FailureReason {
    /// The reason as a list of a masked tenant shows it: a response excerpt may echo any
    /// value of the event, and a list has no event at hand to redact it by, so only the code
    /// and status are kept; the event's own page shows the message with values redacted.
    public func listed(masked: Bool) -> FailureReason {
        guard masked, !self.message.isEmpty else { return self }
        var reason = self
        reason.message = "(message hidden on a tenant with masked properties; open the event to read it with the values masked)"
        return reason
    }
}
