import Foundation
import RouterCore
import SegmentDestination
import Testing

struct SegmentSettingsTests {
    private func decode(_ json: String, environment: [String: String] = [:]) throws -> SegmentSettings {
        let decoder = JSONDecoder()
        decoder.userInfo[.configEnvironment] = environment
        return try decoder.decode(SegmentSettings.self, from: Data(json.utf8))
    }

    /// The coding path (as `a.b`) and message of a `dataCorrupted` error.
    private func corruption(_ json: String, environment: [String: String] = [:]) -> (path: String, message: String)? {
        do {
            _ = try self.decode(json, environment: environment)
            return nil
        } catch DecodingError.dataCorrupted(let context) {
            return (JSONPath.render(context.codingPath), context.debugDescription)
        } catch {
            return ("", "\(error)")
        }
    }

    @Test func onlyTheWriteKeyIsRequiredAndDefaultsApply() throws {
        let settings = try self.decode(#"{"writeKey": "abc123"}"#)
        #expect(settings.writeKey.value == "abc123")
        #expect(settings.endpoint == "https://api.segment.io")
        #expect(settings.identify == .pageLoaded)
        #expect(settings.integrations == [:])
        #expect(settings.timeout == .seconds(15))
        #expect(settings.maxRetryDuration == .seconds(43_200))
        #expect(settings.retry == SegmentSettings.Retry(initialDelay: .milliseconds(500), maxDelay: .seconds(60)))
    }

    @Test func everySettingIsRead() throws {
        let settings = try self.decode(
            """
            {"writeKey": {"env": "ACME_SEGMENT_WRITE_KEY"}, "endpoint": "eu", "identify": "every_event",
             "integrations": {"All": false, "Mixpanel": true}, "timeout": 2.5, "maxRetryDuration": 600,
             "retry": {"initialDelayMs": 100, "maxDelayMs": 1000}}
            """,
            environment: ["ACME_SEGMENT_WRITE_KEY": "from-env"]
        )
        #expect(settings.writeKey == SecretReference(value: "from-env", source: .environment("ACME_SEGMENT_WRITE_KEY")))
        #expect(settings.endpoint == "https://events.eu1.segmentapis.com")
        #expect(settings.identify == .everyEvent)
        #expect(settings.integrations == ["All": false, "Mixpanel": true])
        #expect(settings.timeout == .milliseconds(2500))
        #expect(settings.maxRetryDuration == .seconds(600))
        #expect(settings.retry == SegmentSettings.Retry(initialDelay: .milliseconds(100), maxDelay: .seconds(1)))
    }

    @Test(arguments: [
        ("us", "https://api.segment.io"),
        ("https://api.segment.io", "https://api.segment.io"),
        ("https://api.segment.io/", "https://api.segment.io"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://proxy.example.com/segment/", "https://proxy.example.com/segment"),
    ])
    func endpointsResolveToABaseURL(_ input: String, _ expected: String) throws {
        #expect(try self.decode(#"{"writeKey": "k", "endpoint": "\#(input)"}"#).endpoint == expected)
    }

    @Test(arguments: [
        "", "api.segment.io", "ftp://api.segment.io", "https://", "https://api.segment.io/v1",
        "https://api.segment.io/v1/batch", "https://u:p@api.segment.io", "https://api.segment.io?x=1", "US",
    ])
    func badEndpointsAreRefusedWithAnExample(_ endpoint: String) throws {
        let error = try #require(self.corruption(#"{"writeKey": "k", "endpoint": "\#(endpoint)"}"#))
        #expect(error.path == "endpoint")
        #expect(error.message.contains("must be us, eu or an http(s) URL such as https://api.segment.io"))
    }

    @Test func endpointWithV1SaysToDropIt() throws {
        let error = try #require(self.corruption(#"{"writeKey": "k", "endpoint": "https://api.segment.io/v1/"}"#))
        #expect(error.message.contains("without /v1"))
    }

    @Test func missingWriteKeyIsKeyNotFound() {
        do {
            _ = try self.decode(#"{"endpoint": "us"}"#)
            Issue.record("decoding must fail")
        } catch DecodingError.keyNotFound(let key, _) {
            #expect(key.stringValue == "writeKey")
        } catch {
            Issue.record("expected keyNotFound, got \(error)")
        }
    }

    @Test func writeKeyFromAnUnsetVariableIsRefused() throws {
        let error = try #require(self.corruption(#"{"writeKey": {"env": "MISSING_KEY"}}"#))
        #expect(error.path == "writeKey.env")
        #expect(error.message.contains("MISSING_KEY"))
    }

    @Test func unknownKeysAreRefused() throws {
        let error = try #require(self.corruption(#"{"writeKey": "k", "endpiont": "eu"}"#))
        #expect(error.path == "endpiont")
        #expect(error.message.contains("unknown key"))
        let nested = try #require(self.corruption(#"{"writeKey": "k", "retry": {"initialDelay": 5}}"#))
        #expect(nested.path == "retry.initialDelay")
    }

    @Test func unknownIdentifyModeListsTheModes() throws {
        let error = try #require(self.corruption(#"{"writeKey": "k", "identify": "always"}"#))
        #expect(error.path == "identify")
        #expect(error.message.contains("page_loaded, every_event, never"))
    }

    @Test func integrationsMustBeAnObject() throws {
        let error = try #require(self.corruption(#"{"writeKey": "k", "integrations": ["Mixpanel"]}"#))
        #expect(error.path == "integrations")
    }

    @Test(arguments: ["0", "-1", "301"])
    func timeoutMustBeReasonable(_ timeout: String) throws {
        let error = try #require(self.corruption(#"{"writeKey": "k", "timeout": \#(timeout)}"#))
        #expect(error.path == "timeout")
    }

    @Test func retryDelaysMustBeOrdered() throws {
        let error = try #require(
            self.corruption(#"{"writeKey": "k", "retry": {"initialDelayMs": 1000, "maxDelayMs": 10}}"#)
        )
        #expect(error.path == "retry.maxDelayMs")
        let zero = try #require(self.corruption(#"{"writeKey": "k", "retry": {"initialDelayMs": 0}}"#))
        #expect(zero.path == "retry.initialDelayMs")
    }

    @Test func maxRetryDurationMustBePositive() throws {
        let error = try #require(self.corruption(#"{"writeKey": "k", "maxRetryDuration": 0}"#))
        #expect(error.path == "maxRetryDuration")
    }

    @Test func factoryBuildsThroughTheRegistry() throws {
        var registry = DestinationRegistry()
        registry.register(SegmentDestinationFactory.self)
        #expect(registry.types == ["segment"])
        let destination = try registry.build(
            type: "segment",
            settings: [
                "writeKey": ["env": "KEY"], "maxRetryDuration": 60,
                "retry": ["initialDelayMs": 100, "maxDelayMs": 400],
            ],
            environment: ["KEY": "secret"],
            context: SegmentTestSupport.context()
        )
        let segment = try #require(destination as? SegmentDestination)
        #expect(segment.batchURL == "https://api.segment.io/v1/batch")
        #expect(segment.batchLimits == BatchLimits(maxEvents: 2500, maxBytes: 380_000, maxWait: .seconds(1)))
        let policy = try #require(segment.retryPolicy as? ExponentialJitterRetryPolicy)
        #expect(
            policy
                == ExponentialJitterRetryPolicy(
                    base: .milliseconds(100),
                    cap: .milliseconds(400),
                    jitter: 0.1,
                    giveUpAfter: .seconds(60)
                )
        )
    }

    @Test func factoryRefusesLoopbackEndpointsUnlessAllowed() throws {
        let settings = try self.decode(#"{"writeKey": "k", "endpoint": "http://127.0.0.1:9000"}"#)
        do {
            _ = try SegmentDestinationFactory.make(
                settings,
                context: SegmentTestSupport.context(allowPrivateAddresses: false)
            )
            Issue.record("a loopback endpoint must be refused")
        } catch let error as SettingsError {
            #expect(error.key == "endpoint")
            #expect(error.message.contains("allowPrivateAddresses"))
        }
        _ = try SegmentDestinationFactory.make(
            settings,
            context: SegmentTestSupport.context(allowPrivateAddresses: true)
        )
    }

    @Test func shippedExampleTenantLoads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var registry = DestinationRegistry()
        registry.register(SegmentDestinationFactory.self)
        let loader = TenantLoader(
            registry: registry,
            environment: ["ACME_SEGMENT_WRITE_KEY": "write-key", "ACME_INGEST_SECRET": "ingest-secret"]
        ) { _, _ in SegmentTestSupport.context(allowPrivateAddresses: false) }
        let tenant = try loader.loadFile(
            root.appendingPathComponent("config/examples/segment.json").path,
            checkFileName: false
        ).get()
        let segment = try #require(tenant.destinations.first?.destination as? SegmentDestination)
        #expect(segment.batchURL == "https://api.segment.io/v1/batch")
        #expect(segment.settings.writeKey.value == "write-key")
        #expect(segment.settings.identify == .pageLoaded)
        #expect(tenant.destinations.first?.events == nil)
    }

    @Test func settingsDescriptionsNeverShowTheWriteKey() throws {
        let settings = try self.decode(#"{"writeKey": "super-secret"}"#)
        #expect(!"\(settings)".contains("super-secret"))
    }
}
