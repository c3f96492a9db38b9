import RouterCore
import RouterTesting
import Testing

/// Each transform step and condition on the seed sample's properties, names with dots, brackets
/// and spaces included.
struct TransformTests {
    private static let event = Fixtures.storedEvent(type: .acceptOffer, id: "evt-1", sequence: 1).event

    private static func transform(_ steps: [TransformStep]) -> DestinationTransform {
        DestinationTransform(steps: steps, source: .null)
    }

    private static func sent(_ steps: [TransformStep], event: RetentionEvent = Self.event) throws -> RetentionEvent {
        guard case .send(let transformed) = Self.transform(steps).apply(to: event) else {
            Issue.record("the transform did not send the event")
            throw TransformTestError()
        }
        return transformed
    }

    private static func keys(_ event: RetentionEvent) throws -> [String] {
        try event.propertiesJSON.withUnsafeBytes { try JSONParser.objectMembers($0).map(\.name) }
    }

    private static func holds(_ condition: TransformCondition, event: RetentionEvent = Self.event) -> Bool {
        Self.transform([.where(condition)]).exclusion(of: event) == nil
    }

    private static func pattern(_ text: String) throws -> PropertyPattern {
        try #require(PropertyPattern(text))
    }

    @Test func patternsMatchExactNamesAndWildcardsAcrossDotsAndBrackets() throws {
        #expect(try Self.pattern("field.standard.Contract Value").matches("field.standard.Contract Value"))
        #expect(try !Self.pattern("field.standard.Contract Value").matches("field.standard.Contract Values"))
        #expect(try Self.pattern("survey.*").matches("survey.reason_for_leaving[0].value"))
        #expect(try Self.pattern("survey.reason_for_leaving[0].*").matches("survey.reason_for_leaving[0].tier"))
        #expect(try !Self.pattern("survey.reason_for_leaving[0].*").matches("survey.reason_for_leaving[1].tier"))
        #expect(try Self.pattern(#"survey.reason_for_leaving\[0\].value"#).matches(#"survey.reason_for_leaving\[0\].value"#))
        #expect(try Self.pattern("*.plan").matches("field.cancel.account.plan"))
        #expect(try Self.pattern("field.*.email").matches("field.cancel.email"))
        #expect(try !Self.pattern("field.*.email").matches("field.cancel.email2"))
        #expect(try Self.pattern("a*b*c").matches("abc"))
        #expect(try !Self.pattern("a*b*c").matches("acb"))
        #expect(try Self.pattern("*").matches(""))
        // Bytes, not canonical equivalence: a precomposed é is not e + a combining accent.
        #expect(try !Self.pattern("caf\u{e9}").matches("cafe\u{301}"))
        #expect(PropertyPattern("") == nil)
        #expect(PropertyPattern("survey.**") == nil)
        #expect(PropertyPattern.problem(in: "a**b")?.contains("**") == true)
    }

    @Test func dropRemovesMatchingPropertiesAndKeepsTheRestInOrder() throws {
        let before = try Self.keys(Self.event)
        let event = try Self.sent([.drop([try Self.pattern("field.cancel.email"), try Self.pattern("survey.*")])])
        let after = try Self.keys(event)
        #expect(!after.contains("field.cancel.email"))
        #expect(!after.contains { $0.hasPrefix("survey.") })
        #expect(after == before.filter { $0 != "field.cancel.email" && !$0.hasPrefix("survey.") })
        #expect(event.id == Self.event.id)
        // Values travel as their original text.
        #expect(event.properties["field.standard.Contract Value"] == Self.event.properties["field.standard.Contract Value"])
    }

    @Test func keepKeepsOnlyMatchingProperties() throws {
        let event = try Self.sent([.keep([try Self.pattern("field.cancel.account.*"), try Self.pattern("field.standard.Contract Value")])])
        let keys = try Self.keys(event)
        #expect(keys.allSatisfy { $0.hasPrefix("field.cancel.account.") || $0 == "field.standard.Contract Value" })
        #expect(keys.contains("field.cancel.account.plan"))
        #expect(keys.contains("field.standard.Contract Value"))
    }

    @Test func renameRenamesAtOnceAndReplacesAnExistingTarget() throws {
        let event = try Self.sent([
            .rename([
                "survey.reason_for_leaving[0].value": "reason",
                "user_id": "session",  // the sample also has "session": the renamed one wins
            ])
        ])
        let keys = try Self.keys(event)
        #expect(event.properties["reason"] == .string("pricing_dont_see_value.1834045247"))
        #expect(!keys.contains("survey.reason_for_leaving[0].value"))
        #expect(keys.filter { $0 == "session" }.count == 1)
        #expect(event.properties["session"] == Self.event.properties["user_id"])
        #expect(!keys.contains("user_id"))
        // A swap is simultaneous.
        let swapped = try Self.sent([.rename(["app_id": "version", "version": "app_id"])])
        #expect(swapped.properties["app_id"] == Self.event.properties["version"])
        #expect(swapped.properties["version"] == Self.event.properties["app_id"])
    }

    @Test func renameEventChangesTheNameButNotTheTypeOrId() throws {
        let event = try Self.sent([.renameEvent(["accept_offer": "Offer Accepted"])])
        #expect(event.eventName == "Offer Accepted")
        #expect(event.type == .acceptOffer)
        #expect(event.id == "evt-1")
        // The properties are untouched, text and all.
        #expect(event.propertiesJSON == Self.event.propertiesJSON)
        let other = try Self.sent([.renameEvent(["cancel": "Cancelled"])])
        #expect(other.eventName == "accept_offer")
    }

    @Test func setAddsConstantsAndReplacesInPlace() throws {
        let event = try Self.sent([.set(["source": "retention", "version": 2])])
        let keys = try Self.keys(event)
        #expect(keys.last == "source")
        #expect(keys.firstIndex(of: "version") == (try Self.keys(Self.event)).firstIndex(of: "version"))
        #expect(event.properties["source"] == .string("retention"))
        #expect(event.properties["version"] == .number(JSONNumber(2)))
    }

    @Test func comparisonsOnTheSeedSample() {
        let plan = TransformField.property("field.cancel.account.plan")
        #expect(Self.holds(.compare(plan, .eq("Premium"))))
        #expect(!Self.holds(.compare(plan, .eq("premium"))))
        #expect(Self.holds(.compare(plan, .ne("Free"))))
        #expect(Self.holds(.compare(plan, .in(["Pro", "Premium"]))))
        #expect(!Self.holds(.compare(plan, .in(["Pro"]))))
        #expect(Self.holds(.compare(.property("field.cancel.email"), .exists(true))))
        #expect(Self.holds(.compare(.property("no.such.property"), .exists(false))))
        #expect(Self.holds(.compare(.property("no.such.property"), .ne("x"))))
        #expect(!Self.holds(.compare(.property("no.such.property"), .eq(.null))))
        #expect(Self.holds(.compare(.event, .eq("accept_offer"))))
        #expect(Self.holds(.compare(.event, .in(["cancel", "accept_offer"]))))
        #expect(Self.holds(.compare(.property("survey.reason_for_leaving[0].tier"), .eq("tier0"))))
    }

    @Test func numbersCompareAsNumbersWhetherSentAsNumbersOrText() {
        // The sample sends "field.standard.Contract Value": 1234 and "field.cancel.account.value": "1234".
        for name in ["field.standard.Contract Value", "field.cancel.account.value"] {
            let field = TransformField.property(name)
            #expect(Self.holds(.compare(field, .eq(1234))), "\(name) eq 1234")
            #expect(Self.holds(.compare(field, .eq(.number(JSONNumber(1234.0)!)))), "\(name) eq 1234.0")
            #expect(Self.holds(.compare(field, .gt(1000))), "\(name) gt 1000")
            #expect(Self.holds(.compare(field, .gte(1234))), "\(name) gte 1234")
            #expect(!Self.holds(.compare(field, .lt(1234))), "\(name) lt 1234")
            #expect(Self.holds(.compare(field, .lte(1234))), "\(name) lte 1234")
            #expect(Self.holds(.compare(field, .in([5, 1234]))), "\(name) in [5, 1234]")
        }
        // Text that is not a number never compares as one.
        #expect(!Self.holds(.compare(.property("field.cancel.account.plan"), .gt(0))))
        // Two strings compare as text: "1234" is not "1234.0".
        #expect(!Self.holds(.compare(.property("field.cancel.account.value"), .eq("1234.0"))))
    }

    @Test func allAnyAndNotCombine() {
        let premium = TransformCondition.compare(.property("field.cancel.account.plan"), .eq("Premium"))
        let cancel = TransformCondition.compare(.event, .eq("cancel"))
        #expect(!Self.holds(.all([premium, cancel])))
        #expect(Self.holds(.any([premium, cancel])))
        #expect(Self.holds(.not(cancel)))
        #expect(Self.holds(.all([])))
        #expect(!Self.holds(.any([])))
    }

    @Test func whereSeesTheStepsBeforeIt() throws {
        // After a rename, the condition sees the new name; after renameEvent, the new event name.
        let renamedFirst = Self.transform([
            .rename(["field.cancel.account.plan": "plan"]),
            .renameEvent(["accept_offer": "Offer Accepted"]),
            .where(.all([.compare(.property("plan"), .eq("Premium")), .compare(.event, .eq("Offer Accepted"))])),
        ])
        #expect(renamedFirst.exclusion(of: Self.event) == nil)
        let droppedFirst = Self.transform([.drop([try Self.pattern("field.cancel.account.plan")]), .where(.compare(.property("field.cancel.account.plan"), .exists(true)))])
        guard case .excluded(let step, _)? = droppedFirst.exclusion(of: Self.event) else {
            Issue.record("a where after a drop should exclude")
            return
        }
        #expect(step == 1)
        #expect(droppedFirst.apply(to: Self.event).failureReason?.code == "excluded_by_transform")
    }

    @Test func unreadablePropertiesAreNeverSentEmptier() {
        let broken = RetentionEvent(
            id: "broken",
            type: .cancel,
            tenant: "acme",
            occurredAt: Timestamp(millisecondsSince1970: 0),
            receivedAt: Timestamp(millisecondsSince1970: 0),
            encodedProperties: Array(#"{"a":1,"a":2}"#.utf8)
        )
        let outcome = Self.transform([.drop([PropertyPattern("x")!])]).apply(to: broken)
        #expect(outcome.failureReason?.code == "unreadable_event")
    }

    @Test func aFiveStepTransformOfTheSampleIsExact() throws {
        let event = try Self.sent([
            .where(.compare(.property("field.cancel.account.plan"), .in(["Premium"]))),
            .drop([try Self.pattern("survey.*"), try Self.pattern("field.cancel.email")]),
            .rename(["field.standard.Contract Value": "contract_value"]),
            .renameEvent(["accept_offer": "Offer Accepted"]),
            .set(["source": "retention"]),
        ])
        let text = String(decoding: event.propertiesJSON, as: UTF8.self)
        #expect(text.hasPrefix(#"{"app_id":"9Nyv3KZvQJ","client_timestamp":"2020-11-06T00:53:10.815Z","#))
        #expect(text.contains(#""contract_value":1234,"#))
        #expect(text.hasSuffix(#","source":"retention"}"#))
        #expect(!text.contains("survey."))
        #expect(!text.contains(#""field.cancel.email""#))
        #expect(event.eventName == "Offer Accepted")
    }
}

private struct TransformTestError: Error {}
