import RouterCore
import Testing

@testable import RouterConsole

struct ConsoleFormattingTests {
    @Test func formBodiesDecodePlusAndPercentEscapes() {
        let form = FormBody("token=a+b%2Fc&select=crm+id+1&select=alerts+x&empty=&bad=%zz")
        #expect(form["token"] == "a b/c")
        #expect(form.all("select") == ["crm id 1", "alerts x"])
        #expect(form["empty"] == "")
        #expect(form.nonEmpty("empty") == nil)
        #expect(form["bad"] == "%zz")
        #expect(FormBody.encode("a b/é") == "a%20b%2F%C3%A9")
    }

    @Test func prettyJSONKeepsOrderNumbersAndEscapes() {
        let text = #"{"b":1.50,"a":["x\"}",{}],"c":{"d":null}}"#
        #expect(PrettyJSON.format(Array(text.utf8)) == """
            {
              "b": 1.50,
              "a": [
                "x\\"}",
                {}
              ],
              "c": {
                "d": null
              }
            }
            """)
    }

    @Test func latencyPercentilesComeFromBuckets() {
        var counts = [Int](repeating: 0, count: LatencyBuckets.count)
        #expect(LatencyBuckets.percentile(0.95, of: counts) == nil)
        counts[LatencyBuckets.index(of: 3)] = 90
        counts[LatencyBuckets.index(of: 400)] = 10
        #expect(LatencyBuckets.percentile(0.95, of: counts) == 500)
        #expect(LatencyBuckets.percentile(0.5, of: counts) == 5)
        #expect(LatencyBuckets.index(of: 60_000) == LatencyBuckets.bounds.count)
    }

    @Test func hintsNameTheSettingAndTheFile() {
        let segment = FailureHint.explain(FailureReason(code: "http_401", message: "", status: 401), type: "segment", id: "segment", file: "config/tenants/acme.json")
        #expect(segment == "Segment answered 401: the write key is wrong — check `settings.writeKey` of destination `segment` in `config/tenants/acme.json`.")
        let refused = FailureHint.explain(FailureReason(code: "connection_refused", message: "x"), type: "webhook", id: "crm", file: nil)
        #expect(refused.contains("`settings.url` of destination `crm`"))
    }

    @Test func relativeTimesReadNaturally() {
        let now = Timestamp(millisecondsSince1970: 1_000_000_000)
        #expect(ConsoleTime.relative(now.adding(.seconds(-180)), now: now) == "3 min ago")
        #expect(ConsoleTime.relative(now.adding(.seconds(240)), now: now) == "in 4 min")
        #expect(ConsoleTime.relative(now, now: now) == "just now")
        #expect(ConsoleTime.utc(Timestamp(millisecondsSince1970: 0)) == "1970-01-01 00:00:00 UTC")
    }

    @Test func filtersNameTheFieldAtFault() throws {
        #expect(throws: OperatorInputError(field: "state", message: "not_routed needs a destination to compare with")) {
            try OperatorFilters.eventQuery(["state": "not_routed"])
        }
        #expect(throws: OperatorInputError.self) { try OperatorFilters.eventQuery(["type": "cancelled"]) }
        #expect(throws: OperatorInputError.self) { try OperatorFilters.deadLetterQuery(["from": "yesterday"]) }
        let query = try OperatorFilters.eventQuery(["type": "cancel", "destination": "crm", "state": "dead", "q": " jane ", "cursor": "42", "limit": ""])
        #expect(query.type == .cancel && query.destination == "crm" && query.state == .dead && query.text == "jane" && query.before == 42 && query.limit == 50)
    }

    @Test func theChartIsNumbersOnly() {
        let now = Timestamp(millisecondsSince1970: 3_600_000 * 10)
        let svg = MinuteChart.svg([PartitionHealth.Minute(start: now.adding(.seconds(-60)), delivered: 4, failed: 1, latency: [])], now: now)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("4 delivered and 1 failed"))
        #expect(svg.contains(#"class="failed""#))
    }
}
