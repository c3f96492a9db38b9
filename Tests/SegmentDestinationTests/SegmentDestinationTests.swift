import RouterCore
import RouterTesting
import SegmentDestination
import Testing

@Suite(.timeLimit(.minutes(2)))
struct SegmentDestinationTests {
    private typealias Support = SegmentTestSupport

    @Test func deliversIdentifyAndTracksInOneAuthenticatedRequest() async throws {
        try await Support.withReceiver { receiver in
            let destination = Support.destination(for: receiver)
            let batch = [
                Support.routed(Support.event(type: .pageLoaded, id: "page-1"), sequence: 1),
                Support.routed(Support.event(type: .acceptOffer, id: "offer-1"), sequence: 2),
                Support.routed(Support.event(type: .cancel, id: "cancel-1"), sequence: 3),
            ]
            let started = Timestamp.now()
            let outcomes = await destination.deliver(batch)
            #expect(outcomes == [.delivered, .delivered, .delivered])
            #expect(receiver.messageIDs == ["identify-page-1", "page-1", "offer-1", "cancel-1"])
            #expect(
                receiver.messages.compactMap { $0["type"]?.stringValue } == ["identify", "track", "track", "track"]
            )

            let request = try #require(receiver.requests.first)
            #expect(receiver.requests.count == 1)
            #expect(request.path == "/v1/batch")
            #expect(request.header("authorization") == "Basic dGVzdC13cml0ZS1rZXk6")
            #expect(request.header("content-type") == "application/json")
            #expect(request.header("user-agent") == "retention-router/0.1.0")
            #expect(request.header("content-length") == String(request.body.count))
            #expect(request.header("transfer-encoding") == nil)
            #expect(request.header("x-retry-count") == nil)
            let body = try #require(request.json)
            #expect(body["writeKey"] == "test-write-key")
            let sentAt = try #require(body["sentAt"]?.stringValue.flatMap { Timestamp(iso8601: $0) })
            #expect(sentAt >= Timestamp(millisecondsSince1970: started.millisecondsSince1970 - 1000))
            #expect(sentAt <= Timestamp.now())
        }
    }

    @Test func conformsToTheDestinationContract() async throws {
        try await Support.withReceiver { receiver in
            let batch = [Support.routed(Support.event(type: .save, id: "c-1"), sequence: 1), Support.routed(Support.event(type: .cancel, id: "c-2"), sequence: 2)]
            #expect(await DestinationConformance.problems(of: Support.destination(for: receiver), delivering: batch) == [])
            #expect(receiver.messageIDs == ["c-1", "c-2"])
        }
    }

    @Test func splitsBatchesOver475KilobytesIntoSeveralRequests() async throws {
        try await Support.withReceiver { receiver in
            let destination = Support.destination(for: receiver)
            let ids = (1...40).map { "big-\($0)" }
            let batch = ids.enumerated().map { position, id in
                Support.routed(
                    Support.event(id: id, properties: Support.paddedProperties(28_000)),
                    sequence: Int64(position + 1)
                )
            }
            let outcomes = await destination.deliver(batch)
            #expect(outcomes == Array(repeating: .delivered, count: ids.count))
            #expect(receiver.trackMessageIDs == ids)
            #expect(receiver.requests.count >= 3)
            for request in receiver.requests {
                #expect(request.body.count <= 475_000)
                #expect(request.status == 200)
            }
        }
    }

    @Test func eventOver32KilobytesIsRejectedAndNeverSent() async throws {
        try await Support.withReceiver { receiver in
            let destination = Support.destination(for: receiver)
            let batch = [
                Support.routed(Support.event(id: "small-1"), sequence: 1),
                Support.routed(Support.event(id: "huge-1", properties: Support.paddedProperties(40_000)), sequence: 2),
                Support.routed(Support.event(id: "small-2"), sequence: 3),
            ]
            let outcomes = await destination.deliver(batch)
            #expect(outcomes[0] == .delivered)
            #expect(outcomes[1].isRejected)
            #expect(outcomes[1].reason?.code == "event_too_large")
            #expect(outcomes[2] == .delivered)
            #expect(receiver.trackMessageIDs == ["small-1", "small-2"])
            #expect(receiver.requests.allSatisfy { !String(decoding: $0.body, as: UTF8.self).contains("huge-1") })
        }
    }

    @Test func batchOfOnlyUnsendableEventsSendsNothing() async throws {
        try await Support.withReceiver { receiver in
            var anonymous = Support.event(id: "nobody").properties
            anonymous.removeValue(forKey: "user_id")
            anonymous.removeValue(forKey: "field.cancel.account.internal_id")
            let outcomes = await Support.destination(for: receiver).deliver([
                Support.routed(Support.event(id: "huge", properties: Support.paddedProperties(40_000))),
                Support.routed(Support.event(id: "nobody", properties: anonymous), sequence: 2),
            ])
            #expect(outcomes.map { $0.reason?.code } == ["event_too_large", "missing_identity"])
            #expect(receiver.requests.isEmpty)
        }
    }

    @Test func badRequestRejectsTheBatchWithTheStatusAndBody() async throws {
        try await Support.withReceiver { receiver in
            receiver.respond(.badRequest, times: 1)
            let outcomes = await Support.destination(for: receiver).deliver([
                Support.routed(Support.event(id: "a")), Support.routed(Support.event(id: "b"), sequence: 2),
            ])
            #expect(outcomes.allSatisfy { $0.isRejected })
            let reason = try #require(outcomes.first?.reason)
            #expect(reason.status == 400)
            #expect(reason.code == "http_400")
            #expect(reason.message.contains(#""code":"scripted""#))
            #expect(receiver.messages.isEmpty)
        }
    }

    @Test func wrongWriteKeyIsRejected() async throws {
        try await Support.withReceiver { receiver in
            let outcomes = await Support.destination(for: receiver, writeKey: "wrong").deliver([
                Support.routed(Support.event())
            ])
            #expect(outcomes.first?.isRejected == true)
            #expect(outcomes.first?.reason?.status == 401)
            #expect(outcomes.first?.reason?.message.contains("writeKey") == true)
        }
    }

    @Test func rateLimitIsRetriedAfterTheRequestedWait() async throws {
        try await Support.withReceiver { receiver in
            receiver.respond(.rateLimited(retryAfter: "7"), times: 1)
            let destination = Support.destination(for: receiver)
            let outcomes = await destination.deliver([Support.routed(Support.event())])
            guard case .retry(let after, let reason)? = outcomes.first else {
                Issue.record("expected a retry, got \(outcomes)")
                return
            }
            #expect(after == .seconds(7))
            #expect(reason.status == 429)
            #expect(await destination.deliver([Support.routed(Support.event(), attempt: 2)]) == [.delivered])
            #expect(receiver.requests.last?.header("x-retry-count") == "1")
        }
    }

    @Test func serverErrorIsRetriedAndStopsTheRestOfTheBatch() async throws {
        try await Support.withReceiver { receiver in
            receiver.respond(.serverError, times: 1)
            let batch = (1...40).map {
                Support.routed(
                    Support.event(id: "e\($0)", properties: Support.paddedProperties(28_000)),
                    sequence: Int64($0)
                )
            }
            let outcomes = await Support.destination(for: receiver).deliver(batch)
            #expect(outcomes.allSatisfy { $0.isRetry })
            #expect(outcomes.first?.reason?.status == 500)
            #expect(receiver.requests.count == 1)
        }
    }

    @Test func unansweredRequestTimesOutAsARetry() async throws {
        try await Support.withReceiver { receiver in
            receiver.respond(.hang)
            let started = ContinuousClock.now
            let outcomes = await Support.destination(for: receiver, timeout: .milliseconds(300)).deliver([
                Support.routed(Support.event())
            ])
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(outcomes.first?.isRetry == true)
            #expect(outcomes.first?.reason?.code == "timeout")
            receiver.respond(.accept)
        }
    }

    @Test func privateAddressesAreRefusedUnlessAllowed() async throws {
        try await Support.withReceiver { receiver in
            let destination = Support.destination(for: receiver, allowPrivateAddresses: false)
            let outcomes = await destination.deliver([Support.routed(Support.event())])
            #expect(outcomes.first?.reason?.code == "private_address")
            #expect(outcomes.first?.isRejected == true)
            #expect(receiver.requests.isEmpty)
        }
    }

    @Test func unreachableEndpointIsARetry() async throws {
        let receiver = try await FakeSegmentReceiver()
        let destination = Support.destination(for: receiver, timeout: .milliseconds(500))
        try await receiver.stop()
        let outcomes = await destination.deliver([Support.routed(Support.event())])
        #expect(outcomes.first?.isRetry == true)
    }
}
