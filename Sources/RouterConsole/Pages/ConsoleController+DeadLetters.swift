import Hummingbird
import Logging
import RouterCore

extension ConsoleController {
    func deadLettersPage(_ request: Request, tenant: String) async throws -> Response {
        try await self.withSession(request, form: false) { session, _ in
            guard let configured = self.configuredTenant(tenant) else { return self.unknownTenant(tenant, session: session, request: request) }
            let now = Timestamp.now()
            let parameters = Self.parameters(request)
            var context: [String: Any] = [
                "tenant": tenant,
                "filter": parameters,
                "destinations": Self.options(configured.destinations.map(\.id), selected: parameters["destination"]),
                "count": "0",
                "hasMatches": false,
                "asOf": String(now.millisecondsSince1970),
                "asOfUTC": ConsoleTime.utc(now),
            ]
            let frame = self.frame("Dead letters of \(tenant)", session: session, tenant: tenant, section: .deadLetters, request: request)
            let query: DeadLetterQuery
            do {
                // Counted and listed as of one instant, so "replay all N" replays exactly what was counted.
                query = try OperatorFilters.deadLetterQuery(parameters).counted(asOf: now)
            } catch let error as OperatorInputError {
                context["error"] = "\(error.field): \(error.message)"
                return self.renderer.page("dead-letters", context, frame: frame, status: .unprocessableContent)
            }
            // The replay form carries the filter as it was understood (`since` or `from`, ...).
            context["matching"] = [
                "destination": query.destination ?? "",
                "reason": query.reason ?? "",
                "from": query.since?.iso8601 ?? "",
                "to": parameters["until"] ?? parameters["to"] ?? "",
            ]
            let count = try await self.service.countDeadLetters(tenant: tenant, query: query)
            let records = try await self.service.deadLetters(tenant: tenant, query: query)
            context["count"] = String(count)
            context["oneMatch"] = count == 1
            context["hasMatches"] = count > 0
            let masked = self.service.masks(tenant: tenant)
            context["records"] = records.map { record -> [String: Any] in
                [
                    "eventID": record.eventID,
                    "idPath": FormBody.encode(record.eventID),
                    "destination": record.partition.destination,
                    "attempts": String(record.attempts),
                    "code": record.reason.code,
                    "message": record.reason.listed(masked: masked).message,
                    "failedUTC": ConsoleTime.utc(record.failedAt),
                    "failedAgo": ConsoleTime.relative(record.failedAt, now: now),
                ]
            }
            if records.count == query.limit, let last = records.last {
                var linkParameters = parameters
                linkParameters["cursor"] = DeadLetterCursor(sequence: last.sequence, destination: last.partition.destination).description
                context["nextLink"] = "/console/tenants/\(tenant)/dead-letters?" + Self.queryString(linkParameters)
            }
            return self.renderer.page("dead-letters", context, frame: frame)
        }
    }

    func replaySelected(_ request: Request, tenant: String, address: String) async throws -> Response {
        try await self.withSession(request, form: true) { session, form in
            guard self.configuredTenant(tenant) != nil else { return self.unknownTenant(tenant, session: session, request: request) }
            var byDestination: [String: [String]] = [:]
            for value in form.all("select") {
                guard let space = value.firstIndex(of: " ") else { continue }
                byDestination[String(value[..<space]), default: []].append(String(value[value.index(after: space)...]))
            }
            var replayed = 0
            for (destination, ids) in byDestination.sorted(by: { $0.key < $1.key }) {
                replayed += try await self.service.replay(tenant: tenant, selection: .ids(ids, destination: destination)).count
            }
            self.logger.notice("Replay of selected dead letters from the console", metadata: ["tenant.id": "\(tenant)", "event.count": "\(replayed)"])
            await self.audit(.replay, session: session, address: address, tenant: tenant, detail: "replayed \(replayed) selected")
            return Self.redirect("/console/tenants/\(tenant)/dead-letters?notice=replayed:\(replayed)")
        }
    }

    func replayMatching(_ request: Request, tenant: String, address: String) async throws -> Response {
        try await self.withSession(request, form: true) { session, form in
            guard self.configuredTenant(tenant) != nil else { return self.unknownTenant(tenant, session: session, request: request) }
            var parameters: [String: String] = [:]
            for name in ["destination", "reason", "from", "to"] { parameters[name] = form.nonEmpty(name) }
            var query: DeadLetterQuery
            do {
                query = try OperatorFilters.deadLetterQuery(parameters)
            } catch let error as OperatorInputError {
                return self.renderer.message(
                    "Nothing replayed",
                    "\(error.field): \(error.message)",
                    frame: self.frame("Nothing replayed", session: session, tenant: tenant, request: request),
                    status: .unprocessableContent
                )
            }
            let now = Timestamp.now()
            guard let asOfText = form.nonEmpty("asOf"), let asOf = Int64(asOfText),
                (0...now.adding(.seconds(60)).millisecondsSince1970).contains(asOf)
            else {
                return self.renderer.message(
                    "Nothing replayed",
                    "The form did not say when its count was made; reload the dead letters page and try again.",
                    frame: self.frame("Nothing replayed", session: session, tenant: tenant, request: request),
                    status: .unprocessableContent
                )
            }
            query = query.counted(asOf: Timestamp(millisecondsSince1970: asOf))
            // The set must still be the one the operator saw counted: anything else is refused.
            let count = try await self.service.countDeadLetters(tenant: tenant, query: query)
            if let expected = form.nonEmpty("expected").flatMap(Int.init), expected != count {
                return self.renderer.message(
                    "Nothing replayed",
                    "The page counted \(expected) matching dead letters, but \(count) match now (some were replayed or pruned meanwhile). Reload the page to see the current set.",
                    frame: self.frame("Nothing replayed", session: session, tenant: tenant, request: request),
                    status: .conflict
                )
            }
            let result = try await self.service.replay(tenant: tenant, selection: .matching(query))
            self.logger.notice(
                "Replay of all matching dead letters from the console",
                metadata: ["tenant.id": "\(tenant)", "event.count": "\(result.count)", "expected": "\(form["expected"] ?? "")"]
            )
            await self.audit(
                .replay,
                session: session,
                address: address,
                tenant: tenant,
                destination: query.destination,
                detail: "replayed \(result.count) matching" + (query.reason.map { " reason \($0)" } ?? "")
            )
            var back = parameters
            back["notice"] = "replayed:\(result.count)"
            return Self.redirect(
                "/console/tenants/\(tenant)/dead-letters?"
                    + back.sorted { $0.key < $1.key }.map { "\(FormBody.encode($0.key))=\(FormBody.encode($0.value))" }.joined(separator: "&")
            )
        }
    }
}
