import RouterCore
import Testing

struct TimestampTests {
    @Test(arguments: [
        ("2020-11-06T00:53:10.886Z", "2020-11-06T00:53:10.886Z"),
        ("2020-11-06T00:53:10Z", "2020-11-06T00:53:10.000Z"),
        ("2020-11-06T01:53:10.8+01:00", "2020-11-06T00:53:10.800Z"),
        ("2020-11-05T19:53:10.123456-05:00", "2020-11-06T00:53:10.123Z"),
        ("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"),
        ("2024-02-29T12:00:00z", "2024-02-29T12:00:00.000Z"),
    ])
    func parsesAndFormatsUTC(_ input: String, _ expected: String) throws {
        let timestamp = try #require(Timestamp(iso8601: input))
        #expect(timestamp.iso8601 == expected)
    }

    @Test(arguments: [
        "2020-11-06", "2020-11-06T00:53:10", "2020-13-06T00:53:10Z", "2023-02-29T00:00:00Z", "2020-11-06T24:00:00Z",
        "2020-11-06T00:53:10.Z", "2020-11-06T00:53:10+0100", "yesterday", "2020-11-06T00:53:10Zjunk",
    ])
    func rejectsNonDateTimes(_ input: String) {
        #expect(Timestamp(iso8601: input) == nil)
    }

    @Test func epochRoundTrip() {
        #expect(Timestamp(millisecondsSince1970: 1_604_623_990_886).iso8601 == "2020-11-06T00:53:10.886Z")
        #expect(Timestamp(iso8601: "1970-01-01T00:00:00Z")?.millisecondsSince1970 == 0)
    }
}
