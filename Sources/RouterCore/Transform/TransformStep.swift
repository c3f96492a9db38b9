/// One step of a destination's `transform` list, applied in order.
public enum TransformStep: Sendable, Equatable {
    /// Keep only events for which the condition holds; the others are not routed to this
    /// destination.
    case `where`(TransformCondition)
    /// Remove the properties whose names match any pattern.
    case drop([PropertyPattern])
    /// Keep only the properties whose names match a pattern.
    case keep([PropertyPattern])
    /// Rename properties: old name to new name, all at once. A renamed property replaces one
    /// that already had the new name.
    case rename([String: String])
    /// Rename the event: its name (the event type, or an earlier rename) to a new one. The
    /// webhook body's `type`, Segment's Track `event` and the file line's `type` carry it.
    case renameEvent([String: String])
    /// Set constant properties, replacing a property of the same name where there is one.
    case set([String: JSONValue])

    /// The step's name in tenant JSON.
    public var name: String {
        switch self {
        case .where: "where"
        case .drop: "drop"
        case .keep: "keep"
        case .rename: "rename"
        case .renameEvent: "renameEvent"
        case .set: "set"
        }
    }

    /// The names every step may have, in the order the docs list them.
    public static let names = ["where", "drop", "keep", "rename", "renameEvent", "set"]
}
