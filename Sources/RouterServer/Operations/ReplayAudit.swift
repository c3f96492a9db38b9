import RouterConsole
import RouterCore

/// The audit-log entry of a replay: what was selected and how many went back into delivery.
enum ReplayAudit {
    static func entry(_ result: ReplayResult, selection: ReplaySelection, tenant: String, context: RouterRequestContext) -> AuditEntry {
        let destination: String?
        var eventID: String?
        switch selection {
        case .ids(let ids, let only):
            destination = only
            if ids.count == 1 { eventID = ids.first }
        case .destination(let only, _):
            destination = only
        case .matching(let query):
            destination = query.destination
        }
        var detail = "replayed \(result.count)"
        if !result.erased.isEmpty { detail += "; \(result.erased.count) erased, left dead" }
        if !result.notFound.isEmpty { detail += "; \(result.notFound.count) not found" }
        return .admin(.replay, context: context, tenant: tenant, destination: destination, eventID: eventID, detail: detail)
    }
}
