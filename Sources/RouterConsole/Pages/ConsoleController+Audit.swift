import Logging
import RouterCore

extension ConsoleController {
    /// Records what an operator did in the console.
    func audit(
        _ action: OperatorAction,
        session: ConsoleSession?,
        address: String,
        tenant: String? = nil,
        destination: String? = nil,
        target: String? = nil,
        detail: String? = nil
    ) {
        self.logger.notice(
            "Operator action",
            metadata: [
                "action": "\(action.rawValue)",
                "role": "\(session?.role.rawValue ?? "anonymous")",
                "address": "\(address)",
                "tenant.id": "\(tenant ?? "")",
                "destination.id": "\(destination ?? "")",
                "target": "\(target ?? "")",
                "detail": "\(detail ?? "")",
            ]
        )
    }
}
