import SegmentDestination
import Testing

struct SegmentBatchSplitterTests {
    @Test func emptyInputGivesNoRequests() {
        #expect(SegmentBatchSplitter(envelopeBytes: 10).split([]) == [])
    }

    @Test func smallEventsShareOneRequest() {
        let splitter = SegmentBatchSplitter(envelopeBytes: 10)
        #expect(splitter.split([[100], [100, 120], [90]]) == [[0, 1, 2]])
    }

    @Test func requestsStayUnderTheByteLimitCountingCommas() {
        // Envelope 10 + 40 + 1 + 40 = 91 fits in 91; a third event does not.
        let splitter = SegmentBatchSplitter(envelopeBytes: 10, maxRequestBytes: 91)
        #expect(splitter.split([[40], [40], [40]]) == [[0, 1], [2]])
        let tighter = SegmentBatchSplitter(envelopeBytes: 10, maxRequestBytes: 90)
        #expect(tighter.split([[40], [40], [40]]) == [[0], [1], [2]])
    }

    @Test func requestsStayUnderTheMessageLimit() {
        let splitter = SegmentBatchSplitter(envelopeBytes: 10, maxMessages: 3)
        #expect(splitter.split([[1], [1, 1], [1], [1, 1], [1]]) == [[0, 1], [2, 3], [4]])
    }

    @Test func anEventsMessagesStayTogether() {
        let splitter = SegmentBatchSplitter(envelopeBytes: 0, maxRequestBytes: 100)
        #expect(splitter.split([[30], [40, 40], [10]]) == [[0], [1, 2]])
    }

    @Test func anOversizedEventGetsARequestOfItsOwn() {
        let splitter = SegmentBatchSplitter(envelopeBytes: 0, maxRequestBytes: 100)
        #expect(splitter.split([[10], [500], [10]]) == [[0], [1], [2]])
    }

    @Test func defaultsAreSegmentsLimits() {
        let splitter = SegmentBatchSplitter(envelopeBytes: 0)
        #expect(splitter.maxRequestBytes == 475_000)
        #expect(splitter.maxMessages == 2500)
        let groups = splitter.split(Array(repeating: [100], count: 6000))
        #expect(groups.map(\.count) == [2500, 2500, 1000])
    }
}
