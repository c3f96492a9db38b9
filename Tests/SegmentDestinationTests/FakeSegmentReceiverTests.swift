import NIOHTTP1
import RouterCore
import RouterTesting
import Testing

/// The fake must refuse what Segment refuses, or the destination tests prove nothing.
@Suite(.timeLimit(.minutes(2)))
struct FakeSegmentReceiverTests {
    private let auth = ("authorization", "Basic dGVzdC13cml0ZS1rZXk6")
    private let json = ("content-type", "application/json")

    private func post(_ receiver: FakeSegmentReceiver, _ body: JSONValue, headers: [(String, String)]? = nil)
        async throws -> TestResponse
    {
        try await TestClient.send(
            .POST,
            receiver.url + "/v1/batch",
            body: JSONWriter.serialize(body),
            headers: headers ?? [self.auth, self.json]
        )
    }

    private func message(_ extra: [String: JSONValue] = [:], removing: [String] = []) -> JSONValue {
        var message: [String: JSONValue] = ["type": "track", "event": "cancel", "messageId": "m1", "anonymousId": "a1"]
        message.merge(extra) { _, new in new }
        for key in removing { message.removeValue(forKey: key) }
        return .object(message)
    }

    @Test func acceptsAValidBatchAndRecordsIt() async throws {
        try await SegmentTestSupport.withReceiver { (receiver) async throws in
            let response = try await self.post(receiver, ["batch": [self.message()]])
            #expect(response.status == 200)
            #expect(receiver.messageIDs == ["m1"])
            #expect(receiver.requests.first?.status == 200)
        }
    }

    @Test func refusesMissingOrWrongAuthorization() async throws {
        try await SegmentTestSupport.withReceiver { (receiver) async throws in
            #expect(try await self.post(receiver, ["batch": [self.message()]], headers: [self.json]).status == 401)
            #expect(
                try await self.post(
                    receiver,
                    ["batch": [self.message()]],
                    headers: [("authorization", "Basic d3Jvbmc6"), self.json]
                ).status == 401
            )
            #expect(try await self.post(receiver, ["batch": [self.message()], "writeKey": "wrong"]).status == 401)
            #expect(receiver.messages.isEmpty)
        }
    }

    @Test func refusesWhatSegmentRefuses() async throws {
        try await SegmentTestSupport.withReceiver { (receiver) async throws in
            let invalid: [JSONValue] = [
                self.message(removing: ["type"]),
                self.message(["type": "bogus"]),
                self.message(removing: ["messageId"]),
                self.message(["messageId": .string(String(repeating: "m", count: 101))]),
                self.message(removing: ["anonymousId"]),
                self.message(removing: ["event"]),
                self.message(["properties": ["padding": .string(String(repeating: "x", count: 33_000))]]),
            ]
            for message in invalid {
                let response = try await self.post(receiver, ["batch": [self.message(["messageId": "ok"]), message]])
                #expect(response.status == 400, "\(message)")
                #expect(response.json?["code"] != nil)
                #expect(response.json?["message"] != nil)
            }
            let wrongType = try await self.post(
                receiver,
                ["batch": [self.message()]],
                headers: [self.auth, ("content-type", "text/plain")]
            )
            #expect(wrongType.status == 400)
            let oversized = (0..<20).map { index in
                self.message([
                    "messageId": .string("m\(index)"),
                    "properties": ["padding": .string(String(repeating: "x", count: 30_000))],
                ])
            }
            #expect(try await self.post(receiver, ["batch": .array(oversized)]).status == 400)
            #expect(receiver.messages.isEmpty)
        }
    }

    @Test func scriptedAnswersLastTheirCountThenRevert() async throws {
        try await SegmentTestSupport.withReceiver { (receiver) async throws in
            receiver.respond(.rateLimited(retryAfter: "3"), times: 2)
            let first = try await self.post(receiver, ["batch": [self.message()]])
            #expect(first.status == 429)
            #expect(first.header("retry-after") == "3")
            #expect(try await self.post(receiver, ["batch": [self.message()]]).status == 429)
            #expect(try await self.post(receiver, ["batch": [self.message()]]).status == 200)
            receiver.respond(.serverError)
            #expect(try await self.post(receiver, ["batch": [self.message()]]).status == 500)
            #expect(try await self.post(receiver, ["batch": [self.message()]]).status == 500)
            #expect(receiver.requests.map(\.status) == [429, 429, 200, 500, 500])
        }
    }

    @Test func hangingRequestIsReleasedWhenTheBehaviourChanges() async throws {
        try await SegmentTestSupport.withReceiver { (receiver) async throws in
            receiver.respond(.hang)
            async let answer = self.post(receiver, ["batch": [self.message()]])
            #expect(try await eventually(timeout: .seconds(5)) { receiver.requests.count == 1 })
            #expect(receiver.requests.first?.status == nil)
            receiver.respond(.accept)
            #expect(try await answer.status == 503)
            #expect(receiver.messages.isEmpty)
        }
    }
}
