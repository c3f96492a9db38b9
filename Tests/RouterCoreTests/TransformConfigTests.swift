import AsyncHTTPClient
import Foundation
import Logging
import NIOPosix
import RouterCore
import RouterTesting
import Testing

/// A destination's `transform` list as read from tenant JSON: what loads, and every mistake
/// refused with its file and JSON path.
struct TransformConfigTests {
    private func load(_ transform: String, events: String? = nil) -> Result<TenantConfiguration, ConfigErrors> {
        var registry = DestinationRegistry()
        registry.register(ScriptedDestinationFactory.self)
        let loader = TenantLoader(registry: registry, environment: [:]) { tenant, destination in
            DestinationContext(
                tenant: tenant,
                destinationID: destination,
                logger: Logger(label: "test"),
                httpClient: .shared,
                threadPool: .singleton,
                baseDirectory: "/tmp",
                dataDirectory: "/tmp",
                allowPrivateAddresses: true
            )
        }
        let eventsMember = events.map { "\"events\": \($0), " } ?? ""
        let json = """
            {"name": "acme", "ingest": {"scheme": "x-hub-signature", "secrets": ["s"]},
             "destinations": [{"id": "d", "type": "scripted", \(eventsMember)"transform": \(transform), "settings": {"name": "t"}}]}
            """
        return loader.load(Data(json.utf8), file: "config/tenants/acme.json", expectedName: "acme")
    }

    private func errors(_ transform: String, events: String? = nil) -> [String] {
        switch self.load(transform, events: events) {
        case .success: return []
        case .failure(let failure): return failure.errors.map(\.description)
        }
    }

    @Test func theFourUserCasesLoad() throws {
        let crm = try self.load(
            #"[{"where": {"field": "properties.field.cancel.account.plan", "in": ["pro", "business"]}}]"#,
            events: #"["cancel", "save"]"#
        ).get()
        #expect(crm.destinations[0].transform?.steps.count == 1)
        #expect(crm.destinations[0].destination is TransformingDestination)
        _ = try self.load(#"[{"drop": ["field.cancel.email", "survey.feedback"]}]"#).get()
        _ = try self.load(#"[{"renameEvent": {"accept_offer": "Offer Accepted"}}]"#).get()
        _ = try self.load(#"[{"set": {"source": "retention"}}]"#).get()
        // Without a transform, the module's destination is used as it is.
        #expect(try self.load("[]").get().destinations[0].destination is ScriptedDestination)
    }

    @Test func whereDecidesRoutingAtIngest() throws {
        let tenant = try self.load(#"[{"where": {"field": "properties.field.cancel.account.plan", "eq": "Premium"}}]"#).get()
        let premium = Fixtures.storedEvent(type: .cancel, id: "p", sequence: 1).event
        var free = premium
        free.properties["field.cancel.account.plan"] = "Free"
        #expect(tenant.routes(for: premium) == ["d"])
        #expect(tenant.routes(for: free) == [])
    }

    @Test func unknownStepsAndOperatorsAreNamedWithTheirPath() {
        #expect(self.errors(#"[{"filter": {}}]"#) == [
            "config/tenants/acme.json: destinations[0].transform[0].filter: unknown step \"filter\"; expected one of where, drop, keep, rename, renameEvent, set"
        ])
        #expect(self.errors(#"[{"drop": ["a"], "keep": ["b"]}]"#).first?.contains("destinations[0].transform[0]: a step is an object with exactly one of") == true)
        #expect(self.errors(#"[{"where": {"field": "event", "like": "cancel"}}]"#).first?.contains("destinations[0].transform[0].where.like: unknown operator \"like\"") == true)
        #expect(self.errors(#"[{"where": {"field": "event", "eq": "cancel", "ne": "save"}}]"#).first?.contains("exactly one of eq, ne, in") == true)
        #expect(self.errors(#"[{"where": {"field": "plan", "eq": 1}}]"#).first?.contains("transform[0].where.field: \"plan\" is not a field") == true)
        #expect(self.errors(#"[{"where": {"field": "properties.x", "gt": "many"}}]"#).first?.contains("transform[0].where.gt: expected a number") == true)
        #expect(self.errors(#"[{"where": {"field": "properties.x", "exists": "yes"}}]"#).first?.contains("where.exists: expected true or false") == true)
        #expect(self.errors(#"[{"where": {"all": [{"field": "properties.x", "eq": 1}, {"field": "event", "eq": "cancle"}]}}]"#).first?
            .contains("transform[0].where.all[1].eq: \"cancle\" is not an event name") == true)
        #expect(self.errors(#"{"drop": ["a"]}"#).first?.contains("destinations[0].transform: expected a list of steps") == true)
    }

    @Test func malformedPatternsAreRefused() {
        #expect(self.errors(#"[{"drop": [""]}]"#) == ["config/tenants/acme.json: destinations[0].transform[0].drop[0]: a property name cannot be empty"])
        #expect(self.errors(#"[{"keep": ["survey.**"]}]"#).first?.contains("destinations[0].transform[0].keep[0]: \"survey.**\" holds \"**\"") == true)
        #expect(self.errors(#"[{"drop": []}]"#).first?.contains("transform[0].drop: expected a non-empty list") == true)
        #expect(self.errors(#"[{"drop": [3]}]"#).first?.contains("transform[0].drop[0]: expected a property name") == true)
    }

    @Test func renamesOntoOneNameAreRefused() {
        let errors = self.errors(#"[{"rename": {"a": "x", "b": "x"}}]"#)
        #expect(errors == [#"config/tenants/acme.json: destinations[0].transform[0].rename.b: "a" and "b" are both renamed to "x"; one property would overwrite the other"#])
        #expect(self.errors(#"[{"rename": {"a": "a"}}]"#).first?.contains("renames \"a\" to itself") == true)
        #expect(self.errors(#"[{"renameEvent": {"accept_offers": "Offer Accepted"}}]"#).first?.contains("renameEvent.accept_offers: \"accept_offers\" is not an event name here") == true)
        #expect(self.errors(#"[{"renameEvent": {"cancel": "X", "save": "X"}}]"#).first?.contains("both renamed to \"X\"") == true)
        // A second renameEvent may key on the first one's name.
        #expect(self.errors(#"[{"renameEvent": {"cancel": "Cancelled"}}, {"renameEvent": {"Cancelled": "Canceled"}}]"#) == [])
    }

    @Test func aWhereThatExcludesEveryRoutedTypeIsRefused() {
        #expect(self.errors(#"[{"where": {"field": "event", "eq": "save"}}]"#, events: #"["cancel"]"#) == [
            "config/tenants/acme.json: destinations[0].transform[0].where: excludes every event type this destination routes (cancel), so it would never receive an event; check the event names in the condition"
        ])
        #expect(self.errors(#"[{"where": {"all": [{"field": "event", "eq": "save"}, {"field": "event", "eq": "cancel"}]}}]"#).count == 1)
        // Properties decide at run time: not refused.
        #expect(self.errors(#"[{"where": {"any": [{"field": "event", "eq": "save"}, {"field": "properties.x", "eq": 1}]}}]"#, events: #"["cancel"]"#) == [])
        // The event name after a renameEvent is what a later where sees.
        #expect(self.errors(#"[{"renameEvent": {"cancel": "Cancelled"}}, {"where": {"field": "event", "eq": "cancel"}}]"#, events: #"["cancel"]"#).count == 1)
        #expect(self.errors(#"[{"renameEvent": {"cancel": "Cancelled"}}, {"where": {"field": "event", "eq": "Cancelled"}}]"#, events: #"["cancel"]"#) == [])
    }
}
