import Logging
import RouterCore

extension ConsoleController {
    /// Records what an operator did in the console in the audit log, with the session it was
    /// done in (the first 8 characters of its random identity, never the cookie).
    func audit(
        _ action: AuditEntry.Action,
        session: ConsoleSession?,
        address: String,
        tenant: String? = nil,
        destination: String? = nil,
        target: String? = nil,
        detail: String? = nil
    ) async {
        let role = session.map { AuditEntry.Role(rawValue: $0.role.rawValue) } ?? .anonymous
        let sessionNote = session.map { "session \($0.nonce.prefix(8))" }
        let text = [detail, sessionNote].compactMap { $0 }.joined(separator: "; ")
        await self.service.record(
            AuditEntry(
                at: .now(),
                role: role,
                address: address,
                action: action,
                tenant: tenant,
                destination: destination,
                eventID: target,
                detail: text.isEmpty ? nil : text
            )
        )
    }
}
