import NIOCore
import RouterConsole
import RouterCore

extension AuditEntry {
    /// An action done now with the admin token through the JSON API, from the caller's address.
    static func admin(
        _ action: Action,
        context: RouterRequestContext,
        tenant: String? = nil,
        destination: String? = nil,
        eventID: String? = nil,
        detail: String? = nil
    ) -> AuditEntry {
        AuditEntry(
            at: .now(),
            role: .admin,
            address: context.remoteAddress?.ipAddress,
            action: action,
            tenant: tenant,
            destination: destination,
            eventID: eventID,
            detail: detail
        )
    }
}
