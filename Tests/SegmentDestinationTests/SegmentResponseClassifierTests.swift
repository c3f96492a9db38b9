import AsyncHTTPClient
import NIOCore
import RouterCore
import SegmentDestination
import Testing

struct SegmentResponseClassifierTests {
    private let now = Timestamp(iso8601: "2024-03-01T12:00:00.000Z") ?? Timestamp(millisecondsSince1970: 0)

    private func classify(_ status: Int, retryAfter: String? = nil, body: String = "") -> DeliveryOutcome {
        SegmentResponseClassifier.classify(
            status: status,
            retryAfter: retryAfter,
            body: Array(body.utf8),
            now: self.now
        )
    }

    @Test(arguments: [200, 201, 202, 204, 299])
    func successIsDelivered(_ status: Int) {
        #expect(self.classify(status) == .delivered)
    }

    @Test(arguments: [408, 410, 429, 460])
    func retryableClientErrorsAreRetried(_ status: Int) {
        let outcome = self.classify(status)
        #expect(outcome.isRetry)
        #expect(outcome.reason?.status == status)
        #expect(outcome.reason?.code == "http_\(status)")
    }

    @Test(arguments: [400, 401, 403, 404, 405, 413, 415, 422, 499])
    func otherClientErrorsAreRejected(_ status: Int) {
        let outcome = self.classify(status, body: #"{"code":"bad","message":"nope"}"#)
        #expect(outcome.isRejected)
        #expect(outcome.reason?.status == status)
        #expect(outcome.reason?.code == "http_\(status)")
        #expect(outcome.reason?.message.contains(#"{"code":"bad","message":"nope"}"#) == true)
    }

    @Test(arguments: [500, 502, 503, 504, 511, 599])
    func serverErrorsAreRetried(_ status: Int) {
        let outcome = self.classify(status)
        #expect(
            outcome
                == .retry(
                    after: nil,
                    reason: FailureReason(
                        code: "http_\(status)",
                        message: "Segment answered HTTP \(status)",
                        status: status
                    )
                )
        )
    }

    @Test(arguments: [501, 505])
    func notImplementedAndVersionNotSupportedAreRejected(_ status: Int) {
        #expect(self.classify(status).isRejected)
    }

    @Test(arguments: [301, 302, 307, 308, 100, 600])
    func redirectsAndUnexpectedStatusesAreRetried(_ status: Int) {
        #expect(self.classify(status).isRetry)
    }

    @Test func retryAfterSecondsIsPassedOn() {
        #expect(
            self.classify(429, retryAfter: "7")
                == .retry(after: .seconds(7), reason: self.classify(429).reason ?? FailureReason(code: "", message: ""))
        )
        guard case .retry(let after, _) = self.classify(503, retryAfter: " 12 ") else {
            Issue.record("503 must be retried")
            return
        }
        #expect(after == .seconds(12))
    }

    @Test func retryAfterIsCappedAt300Seconds() {
        #expect(SegmentResponseClassifier.retryAfter("3600", now: self.now) == .seconds(300))
        #expect(SegmentResponseClassifier.retryAfter("99999999999999999999999", now: self.now) == .seconds(300))
        #expect(SegmentResponseClassifier.retryAfter("Sat, 02 Mar 2024 12:00:00 GMT", now: self.now) == .seconds(300))
    }

    @Test func retryAfterHTTPDateIsTheWaitUntilThen() {
        #expect(SegmentResponseClassifier.retryAfter("Fri, 01 Mar 2024 12:00:30 GMT", now: self.now) == .seconds(30))
        #expect(SegmentResponseClassifier.retryAfter("Friday, 01-Mar-24 12:01:00 GMT", now: self.now) == .seconds(60))
        #expect(SegmentResponseClassifier.retryAfter("Fri Mar  1 12:00:05 2024", now: self.now) == .seconds(5))
        #expect(SegmentResponseClassifier.retryAfter("Fri, 01 Mar 2024 11:00:00 GMT", now: self.now) == .zero)
    }

    @Test(arguments: ["", "soon", "-5", "1.5", "Fri, 32 Mar 2024 12:00:00 GMT", "Fri, 01 Foo 2024 12:00:00 GMT"])
    func unreadableRetryAfterIsIgnored(_ value: String) {
        #expect(SegmentResponseClassifier.retryAfter(value, now: self.now) == nil)
        guard case .retry(let after, _) = self.classify(429, retryAfter: value) else {
            Issue.record("429 must be retried")
            return
        }
        #expect(after == nil)
    }

    @Test func retryAfterOnARejectionIsIgnored() {
        #expect(self.classify(400, retryAfter: "5").isRejected)
    }

    @Test func longBodiesAreCutToOneKilobyte() throws {
        let body = String(repeating: "e", count: 5000)
        let message = try #require(self.classify(400, body: body).reason?.message)
        #expect(message.count < 1200)
        #expect(message.hasSuffix("…"))
    }

    @Test func controlCharactersInBodiesBecomeSpaces() throws {
        let message = try #require(self.classify(400, body: "line one\nline two\u{0}").reason?.message)
        #expect(message.hasSuffix("line one line two"))
    }

    @Test func timeoutsAreRetried() {
        for error in [HTTPClientError.deadlineExceeded, .connectTimeout, .readTimeout] {
            let outcome = SegmentResponseClassifier.classify(error: error)
            #expect(outcome.isRetry)
            #expect(outcome.reason?.code == "timeout")
            #expect(outcome.reason?.status == nil)
        }
        #expect(
            SegmentResponseClassifier.classify(error: ChannelError.connectTimeout(.seconds(1))).reason?.code
                == "timeout"
        )
    }

    @Test func networkErrorsAreRetried() {
        struct Unexpected: Error {}
        #expect(
            SegmentResponseClassifier.classify(error: HTTPClientError.remoteConnectionClosed).reason?.code
                == "connection_closed"
        )
        #expect(
            SegmentResponseClassifier.classify(error: IOError(errnoCode: 111, reason: "connect")).reason?.code
                == "connection_refused"
        )
        #expect(
            SegmentResponseClassifier.classify(error: IOError(errnoCode: 113, reason: "connect")).reason?.code
                == "connection_failed"
        )
        #expect(SegmentResponseClassifier.classify(error: Unexpected()).reason?.code == "network_error")
        #expect(SegmentResponseClassifier.classify(error: Unexpected()).isRetry)
    }
}
