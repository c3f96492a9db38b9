import AsyncHTTPClient
import Foundation
import Logging
import NIOPosix
import RouterCore
import RouterTesting
import Signing
import Testing

struct TenantLoaderTests {
    private func loader(environment: [String: String] = [:]) -> TenantLoader {
        var registry = DestinationRegistry()
        registry.register(ScriptedDestinationFactory.self)
        return TenantLoader(registry: registry, environment: environment) { tenant, destination in
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
    }

    private func errors(_ json: String, environment: [String: String] = [:], expectedName: String? = "acme") -> [String] {
        switch self.loader(environment: environment).load(Data(json.utf8), file: "config/tenants/acme.json", expectedName: expectedName) {
        case .success: return []
        case .failure(let failure): return failure.errors.map(\.description)
        }
    }

    @Test func loadsAValidTenantWithFiltersAndSecretReferences() throws {
        let json = """
            {"name": "acme", "ingest": {"scheme": "standard-webhooks", "secrets": [{"env": "ACME_SECRET"}]},
             "destinations": [
               {"id": "all", "type": "scripted", "settings": {"name": "a"}},
               {"id": "cancels", "type": "scripted", "events": ["cancel"], "settings": {"name": "b"}}
             ]}
            """
        let result = self.loader(environment: ["ACME_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
            .load(Data(json.utf8), file: "acme.json", expectedName: "acme")
        let tenant = try result.get()
        #expect(tenant.name == "acme")
        #expect(tenant.ingest.scheme == .standardWebhooks)
        #expect(tenant.routes(for: .cancel) == ["all", "cancels"])
        #expect(tenant.routes(for: .save) == ["all"])
        #expect(tenant.ingest.secrets.first?.description == "<secret from $ACME_SECRET>")
    }

    @Test func everyUnknownSettingsKeyIsNamedWithTheKeysAllowed() {
        let json = """
            {"name": "acme", "ingest": {"scheme": "x-hub-signature", "secrets": ["s"]},
             "destinations": [{"id": "a", "type": "scripted", "settings": {"name": "x", "failurs": 2, "colour": "red"}}]}
            """
        let errors = self.errors(json)
        let allowed = "expected one of backoffSeconds, failure, failures, maxEvents, name"
        #expect(errors.contains("config/tenants/acme.json: destinations[0].settings.colour: unknown key; \(allowed)"), "\(errors)")
        #expect(errors.contains("config/tenants/acme.json: destinations[0].settings.failurs: unknown key; \(allowed)"), "\(errors)")
        #expect(errors.count == 2, "\(errors)")
    }

    @Test func reportsEveryProblemWithFileAndJSONPath() {
        let json = """
            {"name": "acme", "color": "blue",
             "ingest": {"scheme": "md5", "secrets": [{"env": "NOPE"}]},
             "destinations": [
               {"id": "ok", "type": "scripted", "settings": {"name": "x", "failurs": 2}},
               {"id": "bad id!", "type": "carrier-pigeon"},
               {"id": "f", "type": "scripted", "events": ["explode"], "settings": {"name": "y"}},
               {"id": "g", "type": "scripted", "settings": {"name": "w", "failures": "two"}},
               {"id": "h", "type": "scripted", "settings": {"name": "z", "failures": -1}},
               {"id": "h", "type": "scripted", "settings": {"name": "z2"}}
             ]}
            """
        let errors = self.errors(json)
        let expected = [
            "config/tenants/acme.json: color: unknown key",
            "config/tenants/acme.json: ingest.scheme: \"md5\" is not a scheme",
            "config/tenants/acme.json: ingest.secrets[0].env: the environment variable NOPE is not set",
            "config/tenants/acme.json: destinations[0].settings.failurs: unknown key",
            "config/tenants/acme.json: destinations[1].id: \"bad id!\" must be",
            "config/tenants/acme.json: destinations[1].type: \"carrier-pigeon\" is not a destination type; expected one of scripted",
            "config/tenants/acme.json: destinations[2].events[0]: expected one of page_loaded",
            "config/tenants/acme.json: destinations[3].settings.failures: expected an integer",
            "config/tenants/acme.json: destinations[4].settings.failures: must not be negative",
            "config/tenants/acme.json: destinations[5].id: \"h\" is used by another destination",
        ]
        for prefix in expected {
            #expect(errors.contains { $0.hasPrefix(prefix) }, "missing: \(prefix)\nin: \(errors.joined(separator: "\n"))")
        }
        let missingName = self.errors(#"{"name": "acme", "ingest": {"scheme": "x-hub-signature", "secrets": ["s"]}, "destinations": [{"id": "a", "type": "scripted"}]}"#)
        #expect(missingName == ["config/tenants/acme.json: destinations[0].settings.name: is required"])
    }

    @Test func nameMustMatchTheFileName() {
        let json = #"{"name": "other", "ingest": {"scheme": "x-hub-signature", "secrets": ["s"]}, "destinations": []}"#
        #expect(self.errors(json).first?.contains("but the file is named acme.json") == true)
        #expect(self.errors(json, expectedName: nil).isEmpty)
    }

    @Test(arguments: [#"{"eventsPerSecond": 1e400}"#, #"{"eventsPerSecond": 0.0000001}"#, #"{"eventsPerSecond": 10, "burst": 0}"#, #"{"burst": 5}"#])
    func rateLimitsOutOfRangeAreConfigErrorsNotCrashes(_ limit: String) {
        let json = #"{"name": "acme", "ingest": {"scheme": "x-hub-signature", "secrets": ["s"]}, "destinations": [], "rateLimit": \#(limit)}"#
        #expect(self.errors(json).first?.hasPrefix("config/tenants/acme.json: rateLimit.") == true, "\(self.errors(json))")
    }

    @Test func syntaxErrorsGiveLineAndColumn() {
        let errors = self.errors("{\n  \"name\": \"acme\",\n  oops\n}")
        #expect(errors.first?.hasPrefix("config/tenants/acme.json: line 3, column 3:") == true)
    }

    @Test func missingSectionsAreNamed() {
        let errors = self.errors(#"{"name": "acme"}"#)
        #expect(errors.contains { $0.hasPrefix("config/tenants/acme.json: ingest: is required") })
        #expect(errors.contains { $0.hasPrefix("config/tenants/acme.json: destinations: is required") })
    }

    @Test func standardWebhooksSecretsMustBeWhsec() {
        let json = #"{"name": "acme", "ingest": {"scheme": "standard-webhooks", "secrets": ["plain"]}, "destinations": []}"#
        #expect(self.errors(json).first?.hasPrefix("config/tenants/acme.json: ingest.secrets[0]: a standard-webhooks secret starts with") == true)
    }

    @Test func serverConfigurationDefaultsAndErrors() throws {
        let decoded = try JSONDecoder().decode(ServerConfiguration.self, from: Data("{}".utf8))
        #expect(decoded == ServerConfiguration())
        #expect(decoded.listen.port == 8080)
        #expect(decoded.maxRequestBytes >= 1 << 20)
        do {
            _ = try JSONDecoder().decode(ServerConfiguration.self, from: Data(#"{"listen": {"port": 70000}}"#.utf8))
            Issue.record("port 70000 was accepted")
        } catch let error as DecodingError {
            #expect(ConfigError(decoding: error, file: "router.json", prefix: "").description == "router.json: listen.port: must be between 0 and 65535")
        }
        do {
            _ = try JSONDecoder().decode(ServerConfiguration.self, from: Data(#"{"lisen": {}}"#.utf8))
            Issue.record("an unknown key was accepted")
        } catch let error as DecodingError {
            #expect(ConfigError(decoding: error, file: "router.json", prefix: "").description.hasPrefix("router.json: lisen: unknown key"))
        }
    }
}
