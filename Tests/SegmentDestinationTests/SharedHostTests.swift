import Foundation
import RouterCore
import RouterTesting
import SegmentDestination
import Testing

/// Many tenants on one Segment host: one tenant's hanging requests must not hold another's back
/// (AsyncHTTPClient's default pool allows only 8 connections per host).
@Suite(.timeLimit(.minutes(2)))
struct SharedHostTests {
    @Test(.timeLimit(.minutes(2)))
    func eightTenantsHangingOnOneSegmentHostDoNotDelayTheOtherTwelve() async throws {
        let keys = (0..<20).map { "write-key-\($0)" }
        let receiver = try await FakeSegmentReceiver(writeKey: keys[0], otherWriteKeys: Set(keys))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for (index, key) in keys.enumerated() {
            let settings: JSONValue = ["writeKey": .string(key), "endpoint": .string(receiver.url), "identify": "never", "timeout": 60]
            try directory.write(
                Fixtures.tenantJSON(name: "t\(index)", destinations: [["id": "segment", "type": "segment", "settings": settings]]),
                to: "config/tenants/t\(index).json"
            )
        }
        var registry = DestinationRegistry()
        registry.register(SegmentDestinationFactory.self)
        let server = try await TestServer(directory: directory, registry: registry)
        // Segment stops answering 8 of the 20 sources; their requests hang for the rest of the test.
        let held = Set(keys[0..<8])
        receiver.hold(writeKeys: held)
        for index in 0..<8 {
            #expect(try await TestClient.ingest(server, tenant: "t\(index)", body: Fixtures.eventBody(type: .cancel, id: "held-\(index)")).status == 202)
        }
        #expect(try await eventually { receiver.holding == 8 })
        // The other twelve deliver as if nothing hung.
        let started = ContinuousClock.now
        var expected: Set<String> = []
        for index in 8..<20 {
            let events = (0..<5).map { Fixtures.event(type: .cancel, id: "free-\(index)-\($0)") }
            expected.formUnion((0..<5).map { "free-\(index)-\($0)" })
            #expect(try await TestClient.ingest(server, tenant: "t\(index)", body: Fixtures.batchBody(events)).status == 202)
        }
        let wanted = expected
        #expect(try await eventually(timeout: .seconds(20)) { wanted.isSubset(of: Set(receiver.trackMessageIDs)) })
        let took = ContinuousClock.now - started
        // Unloaded this takes well under a second; the bound leaves room for a test run that
        // keeps both cores busy. A pool shared with the hung requests makes the twelve wait
        // for those requests' 30 s read timeout, so any bound under that tells the two apart.
        #expect(took < .seconds(10), "the twelve free tenants took \(took) while eight hung")
        #expect(!Set(receiver.trackMessageIDs).contains("held-0"))
        receiver.release()
        #expect(try await eventually { Set(receiver.trackMessageIDs).isSuperset(of: (0..<8).map { "held-\($0)" }) })
        try await server.stop()
        try await receiver.stop()
    }
}
