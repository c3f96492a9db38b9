import Hummingbird
import Logging
import RouterCore

extension ConsoleController {
    /// Sends a synthetic event to one destination through its real delivery code and shows
    /// what the destination answered.
    func testSend(_ request: Request, tenant: String, destination: String, address: String) async throws -> Response {
        try await self.withSession(request, form: true) { session, _ in
            guard let configured = self.configuredTenant(tenant), let target = configured.destinations.first(where: { $0.id == destination }) else {
                return self.unknownTenant("\(tenant)/\(destination)", session: session, request: request)
            }
            let report = await self.service.testSend(tenant: configured, destination: target)
            await self.audit(
                .testSend,
                session: session,
                address: address,
                tenant: tenant,
                destination: destination,
                target: report.eventID,
                detail: "\(report.outcome)" + (report.status.map { " \($0)" } ?? "") + " in \(report.latencyMilliseconds) ms"
            )
            var context: [String: Any] = [
                "tenant": tenant,
                "destination": destination,
                "outcome": report.outcome,
                "delivered": report.delivered,
                "badge": report.delivered ? "delivered" : "dead",
                "outcomeText": Self.outcomeText(report),
                "eventID": report.eventID,
                "type": report.type,
                "status": report.status.map(String.init) ?? "–",
                "latency": String(report.latencyMilliseconds),
            ]
            if let hint = report.hint { context["hint"] = hint }
            if let code = report.code { context["code"] = code }
            if let response = report.response, !response.isEmpty { context["response"] = response }
            let frame = self.frame("Test send to \(tenant)/\(destination)", session: session, tenant: tenant, request: request)
            return self.renderer.page("test-send", context, frame: frame)
        }
    }

    static func outcomeText(_ report: TestSendReport) -> String {
        switch report.outcome {
        case "delivered": "Delivered: the destination accepted the test event."
        case "retry": "Failed for now: real events would be retried with backoff."
        case "timeout": "No answer in time."
        default: "Refused: real events like this one would become dead letters."
        }
    }
}
