/// Reads a destination's `transform` list, recording every problem with its JSON path.
extension TenantFileWalker {
    /// The transform at `path` (e.g. `destinations[0].transform`), or nil with errors recorded.
    /// `routed` is the destination's `events` list (nil for every type): a `where` that can
    /// never hold for any of them is refused, since the destination would never receive an event.
    mutating func transform(_ value: JSONValue, path: String, routed: Set<RetentionEventType>?) -> DestinationTransform? {
        guard case .array(let items) = value else {
            self.fail(.wrongType, path, "expected a list of steps such as [{\"drop\": [\"field.cancel.email\"]}]; found \(value.typeName)")
            return nil
        }
        let failuresBefore = self.errors.count
        var steps: [TransformStep] = []
        // Names an event can have at each point: the types, then what `renameEvent` made them.
        var knownNames = Set(RetentionEventType.allCases.map(\.rawValue))
        for (index, item) in items.enumerated() {
            let stepPath = "\(path)[\(index)]"
            guard case .object(let members) = item, members.count == 1, let (name, argument) = members.first else {
                self.fail(.invalidValue, stepPath, "a step is an object with exactly one of \(TransformStep.names.joined(separator: ", ")), e.g. {\"drop\": [\"survey.feedback\"]}")
                continue
            }
            let argumentPath = stepPath + "." + name
            switch name {
            case "where":
                if let condition = self.condition(argument, path: argumentPath, eventNames: knownNames) { steps.append(.where(condition)) }
            case "drop", "keep":
                if let patterns = self.patterns(argument, path: argumentPath) { steps.append(name == "drop" ? .drop(patterns) : .keep(patterns)) }
            case "rename":
                if let renames = self.renames(argument, path: argumentPath, what: "property") { steps.append(.rename(renames)) }
            case "renameEvent":
                guard let renames = self.renames(argument, path: argumentPath, what: "event") else { continue }
                var valid = true
                for old in renames.keys.sorted() where !knownNames.contains(old) {
                    self.fail(.invalidValue, argumentPath + "." + old, "\"\(old)\" is not an event name here; expected one of \(knownNames.sorted().joined(separator: ", "))")
                    valid = false
                }
                if valid {
                    knownNames.formUnion(renames.values)
                    steps.append(.renameEvent(renames))
                }
            case "set":
                guard case .object(let values) = argument, !values.isEmpty else {
                    self.fail(.wrongType, argumentPath, "expected an object of property names and values, e.g. {\"source\": \"retention\"}")
                    continue
                }
                if values.keys.contains("") {
                    self.fail(.invalidValue, argumentPath, "a property name cannot be empty")
                    continue
                }
                steps.append(.set(values))
            default:
                self.fail(.unknownKey, stepPath + "." + name, "unknown step \"\(name)\"; expected one of \(TransformStep.names.joined(separator: ", "))")
            }
        }
        guard self.errors.count == failuresBefore else { return nil }
        let transform = DestinationTransform(steps: steps, source: value)
        self.checkReachable(transform, path: path, routed: routed)
        return self.errors.count == failuresBefore ? transform : nil
    }

    /// Refuses a transform whose `where` steps exclude every event type the destination routes.
    private mutating func checkReachable(_ transform: DestinationTransform, path: String, routed: Set<RetentionEventType>?) {
        let types = routed.map { Array($0) } ?? RetentionEventType.allCases
        var firstExcluding: Int?
        for type in types.sorted(by: { $0.rawValue < $1.rawValue }) {
            var name = type.rawValue
            var excludedAt: Int?
            for (index, step) in transform.steps.enumerated() {
                switch step {
                case .renameEvent(let renames): name = renames[name] ?? name
                case .where(let condition) where condition.decided(eventName: name) == false: excludedAt = index
                default: continue
                }
                if excludedAt != nil { break }
            }
            guard let excludedAt else { return }
            firstExcluding = min(firstExcluding ?? excludedAt, excludedAt)
        }
        let list = types.map(\.rawValue).sorted().joined(separator: ", ")
        self.fail(
            .invalidValue,
            "\(path)[\(firstExcluding ?? 0)].where",
            "excludes every event type this destination routes (\(list)), so it would never receive an event; check the event names in the condition"
        )
    }

    mutating func patterns(_ value: JSONValue, path: String) -> [PropertyPattern]? {
        guard case .array(let items) = value, !items.isEmpty else {
            self.fail(.wrongType, path, "expected a non-empty list of property names or patterns, e.g. [\"field.cancel.email\", \"survey.*\"]")
            return nil
        }
        var patterns: [PropertyPattern] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else {
                self.fail(.wrongType, "\(path)[\(index)]", "expected a property name; found \(item.typeName)")
                continue
            }
            if let pattern = PropertyPattern(text) {
                patterns.append(pattern)
            } else {
                self.fail(.invalidValue, "\(path)[\(index)]", PropertyPattern.problem(in: text) ?? "not a pattern")
            }
        }
        return patterns.count == items.count ? patterns : nil
    }

    private mutating func renames(_ value: JSONValue, path: String, what: String) -> [String: String]? {
        guard case .object(let members) = value, !members.isEmpty else {
            self.fail(.wrongType, path, "expected an object of old \(what) names to new ones, e.g. {\"accept_offer\": \"Offer Accepted\"}")
            return nil
        }
        var renames: [String: String] = [:]
        var targets: [String: String] = [:]
        var valid = true
        for (old, target) in members.sorted(by: { $0.key < $1.key }) {
            let memberPath = path + "." + old
            guard case .string(let new) = target else {
                self.fail(.wrongType, memberPath, "expected the new \(what) name as a string; found \(target.typeName)")
                valid = false
                continue
            }
            if old.isEmpty || new.isEmpty {
                self.fail(.invalidValue, memberPath, "\(what) names cannot be empty")
                valid = false
            } else if old == new {
                self.fail(.invalidValue, memberPath, "renames \"\(old)\" to itself; remove it")
                valid = false
            } else if let other = targets[new] {
                self.fail(.duplicate, memberPath, "\"\(other)\" and \"\(old)\" are both renamed to \"\(new)\"; one \(what) would overwrite the other")
                valid = false
            }
            targets[new] = targets[new] ?? old
            renames[old] = new
        }
        return valid ? renames : nil
    }

    private mutating func condition(_ value: JSONValue, path: String, eventNames: Set<String>) -> TransformCondition? {
        let example = "{\"field\": \"properties.field.cancel.account.plan\", \"in\": [\"pro\", \"business\"]}"
        guard case .object(let members) = value else {
            self.fail(.wrongType, path, "expected a condition such as \(example); found \(value.typeName)")
            return nil
        }
        for combinator in ["all", "any"] where members[combinator] != nil {
            guard members.count == 1 else {
                self.fail(.invalidValue, path, "\"\(combinator)\" stands alone in its object; found also \(members.keys.filter { $0 != combinator }.sorted().joined(separator: ", "))")
                return nil
            }
            guard case .array(let items)? = members[combinator] else {
                self.fail(.wrongType, path + "." + combinator, "expected a list of conditions")
                return nil
            }
            var conditions: [TransformCondition] = []
            for (index, item) in items.enumerated() {
                if let condition = self.condition(item, path: "\(path).\(combinator)[\(index)]", eventNames: eventNames) { conditions.append(condition) }
            }
            guard conditions.count == items.count else { return nil }
            return combinator == "all" ? .all(conditions) : .any(conditions)
        }
        if let inner = members["not"] {
            guard members.count == 1 else {
                self.fail(.invalidValue, path, "\"not\" stands alone in its object")
                return nil
            }
            return self.condition(inner, path: path + ".not", eventNames: eventNames).map { .not($0) }
        }
        guard case .string(let fieldText)? = members["field"] else {
            self.fail(members["field"] == nil ? .missingKey : .wrongType, path + ".field", "is required: \"event\" or \"properties.\" and an exact property name; or use all, any, not")
            return nil
        }
        let field: TransformField
        if fieldText == "event" {
            field = .event
        } else if fieldText.hasPrefix("properties."), fieldText.count > "properties.".count {
            field = .property(String(fieldText.dropFirst("properties.".count)))
        } else {
            self.fail(.invalidValue, path + ".field", "\"\(fieldText)\" is not a field; expected \"event\" or \"properties.\" and an exact property name, e.g. \"properties.field.cancel.account.plan\"")
            return nil
        }
        let operators = members.keys.filter { $0 != "field" }
        let known = ["eq", "ne", "in", "exists", "gt", "gte", "lt", "lte"]
        guard operators.count == 1, let name = operators.first else {
            self.fail(.invalidValue, path, "a comparison has \"field\" and exactly one of \(known.joined(separator: ", ")); found \(operators.isEmpty ? "none" : operators.sorted().joined(separator: ", "))")
            return nil
        }
        let operand = members[name] ?? .null
        let operandPath = path + "." + name
        let comparison: TransformComparison
        switch name {
        case "eq", "ne":
            comparison = name == "eq" ? .eq(operand) : .ne(operand)
        case "in":
            guard case .array(let candidates) = operand, !candidates.isEmpty else {
                self.fail(.wrongType, operandPath, "expected a non-empty list of values")
                return nil
            }
            comparison = .in(candidates)
        case "exists":
            guard case .bool(let flag) = operand else {
                self.fail(.wrongType, operandPath, "expected true or false; found \(operand.typeName)")
                return nil
            }
            comparison = .exists(flag)
        case "gt", "gte", "lt", "lte":
            guard let bound = TransformComparison.number(operand) else {
                self.fail(.wrongType, operandPath, "expected a number; found \(operand.typeName)")
                return nil
            }
            comparison = name == "gt" ? .gt(bound) : name == "gte" ? .gte(bound) : name == "lt" ? .lt(bound) : .lte(bound)
        default:
            self.fail(.unknownKey, operandPath, "unknown operator \"\(name)\"; expected one of \(known.joined(separator: ", "))")
            return nil
        }
        if field == .event {
            guard self.checkEventOperand(comparison, path: operandPath, eventNames: eventNames) else { return nil }
        }
        return .compare(field, comparison)
    }

    /// The event's name is a string that always exists: compare it only with names it can have.
    private mutating func checkEventOperand(_ comparison: TransformComparison, path: String, eventNames: Set<String>) -> Bool {
        let values: [JSONValue]
        switch comparison {
        case .eq(let value), .ne(let value): values = [value]
        case .in(let candidates): values = candidates
        default:
            self.fail(.invalidValue, path, "the event name is compared with eq, ne or in")
            return false
        }
        for value in values {
            guard case .string(let name) = value, eventNames.contains(name) else {
                self.fail(.invalidValue, path, "\(JSONWriter.serialize(value).count > 60 ? "the value" : String(decoding: JSONWriter.serialize(value), as: UTF8.self)) is not an event name; expected one of \(eventNames.sorted().joined(separator: ", "))")
                return false
            }
        }
        return true
    }
}
