import Hummingbird
import Logging
import RouterCore

extension ConsoleController {
    func overview(_ request: Request) async throws -> Response {
        try await self.withSession(request, form: false) { session, _ in
            let now = Timestamp.now()
            let rows = try await self.service.overview(now: now)
            let tenantCount = Set(rows.map(\.partition.tenant)).count
            var frame = self.frame("Overview", session: session, section: .overview, request: request)
            // `?refresh=0` holds the page still (reading a row, or a script taking screenshots).
            let refreshing = Self.parameters(request)["refresh"] != "0"
            frame.refreshSeconds = refreshing ? 5 : nil
            let context: [String: Any] = [
                "rows": rows.map { Self.overviewRow($0, now: now) },
                "hasRows": !rows.isEmpty,
                "rowCount": rows.count,
                "oneRow": rows.count == 1,
                "tenantCount": tenantCount,
                "oneTenant": tenantCount == 1,
                "refreshing": refreshing,
            ]
            return self.renderer.page("overview", context, frame: frame)
        }
    }

    func retryNow(_ request: Request, tenant: String, destination: String, address: String) async throws -> Response {
        try await self.withSession(request, form: true) { session, _ in
            guard let configured = self.configuredTenant(tenant), configured.destinations.contains(where: { $0.id == destination }) else {
                return self.unknownTenant("\(tenant)/\(destination)", session: session, request: request)
            }
            let count = try await self.service.retryNow(PartitionKey(tenant: tenant, destination: destination))
            self.logger.notice("Retry now from the console", metadata: ["tenant.id": "\(tenant)", "destination.id": "\(destination)", "retry.count": "\(count)"])
            await self.audit(.retryNow, session: session, address: address, tenant: tenant, destination: destination, detail: "\(count) retries due now")
            return Self.redirect("/console/?notice=retry-now:\(count)")
        }
    }

    static func overviewRow(_ row: DestinationOverview, now: Timestamp) -> [String: Any] {
        var context: [String: Any] = [
            "tenant": row.partition.tenant,
            "destination": row.partition.destination,
            "type": row.type ?? false,
            "condition": row.condition.rawValue,
            "conditionText": Self.conditionText(row, now: now),
            "delivered5m": Self.count(row.delivered5m),
            "failed5m": Self.count(row.failed5m),
            "delivered1h": Self.count(row.delivered1h),
            "failed1h": Self.count(row.failed1h),
            "failureRate": row.failureRate.map(Self.percent) ?? "–",
            "p95": row.p95Milliseconds.map { "≤ \($0) ms" } ?? "–",
            "backlog": Self.capped(row.backlog),
            "retrying": row.retrying > 0 ? Self.capped(row.retrying) : false,
            "deadLetters": Self.capped(row.deadLetters),
            "oldestWaiting": row.oldestWaiting.map { ConsoleTime.relative($0, now: now) } ?? false,
            // Only a backoff or waiting retries can be hurried; rejected events need a replay instead.
            "canTestSend": row.type != nil,
            "canRetryNow": row.type != nil && (row.pausedUntil != nil || row.failingSince != nil || row.retrying > 0),
            "chart": MinuteChart.svg(row.minutes, now: now),
            "lastFailure": row.lastFailure != nil,
        ]
        if let failure = row.lastFailure {
            context["hint"] = row.hint ?? failure.reason.description
            context["lastFailureAgo"] = ConsoleTime.relative(failure.at, now: now)
            context["lastFailureAt"] = ConsoleTime.utc(failure.at)
        }
        return context
    }

    static func conditionText(_ row: DestinationOverview, now: Timestamp) -> String {
        switch row.condition {
        case .paused:
            return "paused until " + (row.pausedUntil.map { "\(ConsoleTime.utc($0).dropLast(4)) (\(ConsoleTime.relative($0, now: now)))" } ?? "later")
        case .failing:
            if let since = row.failingSince { return "failing since \(ConsoleTime.relative(since, now: now))" }
            return "failing"
        case .retrying:
            return "retrying" + (row.oldestWaiting.map { " since \(ConsoleTime.relative($0, now: now))" } ?? "")
        case .delivering:
            return "delivering"
        case .idle:
            return "idle"
        }
    }

    static func count(_ value: Int) -> String {
        let digits = String(value)
        var output = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { output.append(",") }
            output.append(character)
        }
        return output
    }

    static func capped(_ value: Int) -> String {
        value >= PartitionHealth.countCap ? Self.count(PartitionHealth.countCap) + "+" : Self.count(value)
    }

    static func percent(_ fraction: Double) -> String {
        let tenths = (fraction * 1000).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths))%" : "\(tenths)%"
    }
}
