/// A destination's `transform` list from tenant JSON: the filters and reshaping applied to each
/// event after type routing and before the destination module sees it.
///
/// Declarative and side-effect free: no code runs, the stored event is never changed (a replay
/// after a config change applies the transform as it is then), and the event id is kept so
/// receivers still deduplicate.
public struct DestinationTransform: Sendable, Equatable {
    /// The steps, in order.
    public let steps: [TransformStep]
    /// The list as written in the tenant file (for change detection on reload).
    public let source: JSONValue
    /// The index of the last `where` step; nil when there is none.
    private let lastWhere: Int?

    /// Creates a transform from parsed steps.
    public init(steps: [TransformStep], source: JSONValue) {
        self.steps = steps
        self.source = source
        self.lastWhere = steps.lastIndex { if case .where = $0 { true } else { false } }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.steps == rhs.steps
    }

    /// True when some `where` step can exclude events.
    public var filters: Bool { self.lastWhere != nil }

    /// Runs the steps on an event.
    public func apply(to event: RetentionEvent) -> TransformOutcome {
        self.run(event, through: self.steps.count - 1, build: true)
    }

    /// The `where` step that excludes `event`, if one does: what ingest asks to decide whether
    /// the event is routed to this destination at all. Runs the steps only as far as the last
    /// `where`, and builds nothing.
    public func exclusion(of event: RetentionEvent) -> TransformOutcome? {
        guard let lastWhere = self.lastWhere else { return nil }
        let outcome = self.run(event, through: lastWhere, build: false)
        if case .send = outcome { return nil }
        return outcome
    }

    private func run(_ event: RetentionEvent, through last: Int, build: Bool) -> TransformOutcome {
        var name = event.eventName
        var properties: TransformedProperties?
        var changed = false
        func current() throws(JSONParseError) -> TransformedProperties {
            if let properties { return properties }
            let read = try TransformedProperties(event.propertiesJSON)
            properties = read
            return read
        }
        do throws(JSONParseError) {
            for index in self.steps.indices where index <= last {
                switch self.steps[index] {
                case .where(let condition):
                    let members = try current()
                    if !condition.holds(eventName: name, property: members.value(of:)) {
                        return .excluded(step: index, condition: condition)
                    }
                case .renameEvent(let renames):
                    if let newName = renames.first(where: { $0.key.utf8.elementsEqual(name.utf8) })?.value { name = newName }
                case .drop(let patterns):
                    properties = try current().editing { $0.drop(patterns) }
                    changed = true
                case .keep(let patterns):
                    properties = try current().editing { $0.keep(patterns) }
                    changed = true
                case .rename(let renames):
                    properties = try current().editing { $0.rename(renames) }
                    changed = true
                case .set(let values):
                    properties = try current().editing { $0.set(values) }
                    changed = true
                }
            }
        } catch {
            return .unreadable(error)
        }
        guard build else { return .send(event) }
        var transformed = event
        if changed, let properties {
            transformed = RetentionEvent(
                id: event.id,
                type: event.type,
                tenant: event.tenant,
                occurredAt: event.occurredAt,
                receivedAt: event.receivedAt,
                encodedProperties: properties.serialized()
            )
        }
        transformed.eventName = name
        return .send(transformed)
    }
}

/// What a transform made of one event.
public enum TransformOutcome: Sendable {
    /// Send this event (its properties and name as the steps left them; same id).
    case send(RetentionEvent)
    /// A `where` step excluded it: not for this destination.
    case excluded(step: Int, condition: TransformCondition)
    /// Its stored properties are not a readable JSON object, so nothing can be sent safely.
    case unreadable(JSONParseError)

    /// The reason to record when an event is not sent.
    public var failureReason: FailureReason? {
        switch self {
        case .send:
            return nil
        case .excluded(let step, _):
            return FailureReason(
                code: "excluded_by_transform",
                message: "transform[\(step)] (where) does not match this event now; the transform changed after it was routed here"
            )
        case .unreadable(let error):
            return FailureReason(code: "unreadable_event", message: "the stored properties cannot be read: \(error.message)")
        }
    }
}
