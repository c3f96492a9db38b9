import Hummingbird
import Logging
import RouterCore

extension ConsoleController {
    /// The configuration as loaded.
    func configurationPage(_ request: Request) async throws -> Response {
        try await self.withSession(request, form: false) { session, _ in
            self.renderConfiguration(request, session: session, result: [:])
        }
    }

    /// Checks the tenants folder as it is on disk and shows every problem; applies nothing.
    func validateConfiguration(_ request: Request, address: String) async throws -> Response {
        try await self.withSession(request, form: true) { session, _ in
            guard let access = self.service.configuration else { return self.noConfiguration(request, session: session) }
            let errors = await access.validate()
            await self.audit(.validate, session: session, address: address, detail: errors.isEmpty ? "valid" : "\(errors.count) problem\(errors.count == 1 ? "" : "s")")
            var result: [String: Any] = [:]
            if errors.isEmpty {
                let count = self.service.tenants().count
                result["valid"] = "every file loads (the running configuration has \(count) tenant\(count == 1 ? "" : "s"))"
            } else {
                result = Self.errorContext(
                    errors,
                    heading: "\(errors.count) problem\(errors.count == 1 ? "" : "s") in the tenants folder",
                    text: "Reload would refuse this folder. Fix each file at the JSON path shown and validate again."
                )
            }
            return self.renderConfiguration(request, session: session, result: result, status: errors.isEmpty ? .ok : .unprocessableContent)
        }
    }

    /// Reloads: applies the folder when every file is valid, otherwise refuses it whole.
    func reloadConfiguration(_ request: Request, address: String) async throws -> Response {
        try await self.withSession(request, form: true) { session, _ in
            guard let access = self.service.configuration else { return self.noConfiguration(request, session: session) }
            switch await access.reload() {
            case .success(let summary):
                await self.audit(
                    .reload,
                    session: session,
                    address: address,
                    detail: "tenants +\(summary.tenantsAdded.count) -\(summary.tenantsRemoved.count); destinations +\(summary.changes.added.count) ~\(summary.changes.changed.count) -\(summary.changes.removed.count)"
                )
                return self.renderConfiguration(request, session: session, result: ["summary": Self.summaryContext(summary)])
            case .failure(let errors):
                await self.audit(.reload, session: session, address: address, detail: "refused: \(errors.errors.count) problem\(errors.errors.count == 1 ? "" : "s")")
                let result = Self.errorContext(
                    errors.errors,
                    heading: "Reload refused: nothing was applied",
                    text: "The running configuration stays as it was. Fix each file at the JSON path shown, then reload again."
                )
                return self.renderConfiguration(request, session: session, result: result, status: .unprocessableContent)
            }
        }
    }

    private func renderConfiguration(
        _ request: Request,
        session: ConsoleSession,
        result: [String: Any],
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let view = ConfigurationView(self.service.tenants())
        var context = result
        context["folder"] = self.service.configuration?.folder ?? "(none)"
        context["tenantCount"] = view.tenants.count
        context["oneTenant"] = view.tenants.count == 1
        context["tenants"] = view.tenants.map { tenant -> [String: Any] in
            var context: [String: Any] = [
                "name": tenant.name,
                "file": tenant.file,
                "scheme": tenant.scheme,
                "secrets": tenant.secrets,
                "hasMask": !tenant.maskProperties.isEmpty,
                "maskProperties": tenant.maskProperties,
                "destinations": tenant.destinations.map { destination -> [String: Any] in
                    var context: [String: Any] = [
                        "id": destination.id,
                        "type": destination.type,
                        "events": destination.events,
                        "settings": destination.settings,
                    ]
                    if let transform = destination.transform { context["transform"] = transform }
                    return context
                },
            ]
            if let description = tenant.description { context["description"] = description }
            if let rateLimit = tenant.rateLimit { context["rateLimit"] = rateLimit }
            return context
        }
        let frame = self.frame("Configuration", session: session, section: .configuration, request: request)
        return self.renderer.page("configuration", context, frame: frame, status: status)
    }

    private func noConfiguration(_ request: Request, session: ConsoleSession) -> Response {
        self.renderer.message(
            "No configuration folder",
            "This router was started without a tenants folder to reload.",
            frame: self.frame("Configuration", session: session, request: request),
            status: .notFound
        )
    }

    static func errorContext(_ errors: [ConfigError], heading: String, text: String) -> [String: Any] {
        [
            "hasErrors": true,
            "errorHeading": heading,
            "errorText": text,
            "errors": errors.map { ["file": $0.file, "path": $0.path.isEmpty ? "(whole file)" : $0.path, "message": $0.message] },
        ]
    }

    static func summaryContext(_ summary: ReloadSummary) -> [String: Any] {
        let removed = summary.changes.removed.sorted { $0.description < $1.description }.map { partition -> [String: Any] in
            let backlog = summary.removedBacklog[partition] ?? 0
            return ["name": partition.description, "backlog": Self.count(backlog), "oneEvent": backlog == 1]
        }
        return [
            "changedNothing": summary.changedNothing,
            "tenantsAdded": summary.tenantsAdded,
            "tenantsRemoved": summary.tenantsRemoved,
            "added": summary.changes.added.map(\.description).sorted(),
            "changed": summary.changes.changed.map(\.description).sorted(),
            "removed": removed,
            "unchangedCount": summary.changes.unchanged.count,
            "oneUnchanged": summary.changes.unchanged.count == 1,
        ]
    }
}
