/// The test of a `where` step: keeps an event when it holds.
///
/// Written in tenant JSON as `{"field": F, "eq": V}` (and `ne`, `in`, `exists`, `gt`, `gte`,
/// `lt`, `lte`) or `{"all": [...]}`, `{"any": [...]}`, `{"not": ...}`.
public indirect enum TransformCondition: Sendable, Equatable {
    /// One field compared with a value.
    case compare(TransformField, TransformComparison)
    /// Every condition holds (true for an empty list).
    case all([TransformCondition])
    /// At least one condition holds (false for an empty list).
    case any([TransformCondition])
    /// The condition does not hold.
    case not(TransformCondition)

    /// Whether the condition holds for an event with this name and these properties.
    func holds(eventName: String, property: (String) -> JSONValue?) -> Bool {
        switch self {
        case .compare(let field, let comparison):
            let value: JSONValue? =
                switch field {
                case .event: .string(eventName)
                case .property(let name): property(name)
                }
            return comparison.holds(for: value)
        case .all(let conditions):
            return conditions.allSatisfy { $0.holds(eventName: eventName, property: property) }
        case .any(let conditions):
            return conditions.contains { $0.holds(eventName: eventName, property: property) }
        case .not(let condition):
            return !condition.holds(eventName: eventName, property: property)
        }
    }

    /// What can be known before any event arrives: true or false when the event name alone
    /// decides, nil when properties decide. Used to refuse a `where` that excludes every type.
    func decided(eventName: String) -> Bool? {
        switch self {
        case .compare(.event, let comparison):
            return comparison.holds(for: .string(eventName))
        case .compare(.property, _):
            return nil
        case .all(let conditions):
            var unknown = false
            for condition in conditions {
                switch condition.decided(eventName: eventName) {
                case false?: return false
                case nil: unknown = true
                case true?: break
                }
            }
            return unknown ? nil : true
        case .any(let conditions):
            var unknown = false
            for condition in conditions {
                switch condition.decided(eventName: eventName) {
                case true?: return true
                case nil: unknown = true
                case false?: break
                }
            }
            return unknown ? nil : false
        case .not(let condition):
            return condition.decided(eventName: eventName).map { !$0 }
        }
    }
}

/// What a condition looks at.
public enum TransformField: Sendable, Hashable, CustomStringConvertible {
    /// The event's name: its type (`cancel`), or what an earlier `renameEvent` made it.
    case event
    /// One property, by its exact name (dots are part of the name).
    case property(String)

    public var description: String {
        switch self {
        case .event: "event"
        case .property(let name): "properties." + name
        }
    }
}

/// How a field is compared.
///
/// Numbers compare as numbers whether the source sent `1234` or `"1234"`: when either side is a
/// JSON number and the other is a number or a string holding one, they are compared by value.
/// Strings otherwise compare by their UTF-8 bytes. An absent property equals nothing, so `ne`
/// holds for it; `exists` is true for a property that is present and not `null`.
public enum TransformComparison: Sendable, Equatable {
    case eq(JSONValue)
    case ne(JSONValue)
    case `in`([JSONValue])
    case exists(Bool)
    case gt(Double)
    case gte(Double)
    case lt(Double)
    case lte(Double)

    /// The operator's name in tenant JSON.
    public var name: String {
        switch self {
        case .eq: "eq"
        case .ne: "ne"
        case .in: "in"
        case .exists: "exists"
        case .gt: "gt"
        case .gte: "gte"
        case .lt: "lt"
        case .lte: "lte"
        }
    }

    func holds(for value: JSONValue?) -> Bool {
        switch self {
        case .eq(let expected): return value.map { Self.equal($0, expected) } ?? false
        case .ne(let expected): return !(value.map { Self.equal($0, expected) } ?? false)
        case .in(let candidates): return value.map { value in candidates.contains { Self.equal(value, $0) } } ?? false
        case .exists(let expected): return (value != nil && value != .null) == expected
        case .gt(let bound): return value.flatMap(Self.number).map { $0 > bound } ?? false
        case .gte(let bound): return value.flatMap(Self.number).map { $0 >= bound } ?? false
        case .lt(let bound): return value.flatMap(Self.number).map { $0 < bound } ?? false
        case .lte(let bound): return value.flatMap(Self.number).map { $0 <= bound } ?? false
        }
    }

    /// Equality as the type documents it.
    static func equal(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.number, _), (_, .number):
            guard let leftNumber = Self.number(left), let rightNumber = Self.number(right) else { return false }
            return leftNumber == rightNumber
        case (.string(let leftText), .string(let rightText)):
            return leftText.utf8.elementsEqual(rightText.utf8)
        default:
            return left == right
        }
    }

    /// A number, or a string that is exactly a JSON number literal, as a double.
    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let number):
            let double = number.doubleValue
            return double.isFinite ? double : nil
        case .string(let text):
            guard !text.isEmpty, text.utf8.count <= 64, !text.utf8.contains(where: { $0 <= 0x20 }), case .number(let number)? = try? JSONParser.parse(Array(text.utf8)) else { return nil }
            let double = number.doubleValue
            return double.isFinite ? double : nil
        default:
            return nil
        }
    }
}

extension TransformCondition: CustomStringConvertible {
    /// The condition in a short readable form, e.g. `properties.plan in ["pro","business"]`.
    public var description: String {
        switch self {
        case .compare(let field, let comparison): "\(field) \(comparison)"
        case .all(let conditions): "all(" + conditions.map(\.description).joined(separator: ", ") + ")"
        case .any(let conditions): "any(" + conditions.map(\.description).joined(separator: ", ") + ")"
        case .not(let condition): "not(\(condition))"
        }
    }
}

extension TransformComparison: CustomStringConvertible {
    public var description: String {
        func text(_ value: JSONValue) -> String { String(decoding: JSONWriter.serialize(value), as: UTF8.self) }
        switch self {
        case .eq(let value): return "eq " + text(value)
        case .ne(let value): return "ne " + text(value)
        case .in(let values): return "in " + text(.array(values))
        case .exists(let flag): return "exists \(flag)"
        case .gt(let bound): return "gt \(Self.numberText(bound))"
        case .gte(let bound): return "gte \(Self.numberText(bound))"
        case .lt(let bound): return "lt \(Self.numberText(bound))"
        case .lte(let bound): return "lte \(Self.numberText(bound))"
        }
    }

    private static func numberText(_ value: Double) -> String {
        JSONNumber(value)?.text ?? "\(value)"
    }
}
