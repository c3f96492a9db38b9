import Logging
import RouterConsole
import RouterCore
import ServiceLifecycle

/// Wakes this instance's workers for tenants that other instances stored events for, as the
/// store announces them (`EventStore.remoteArrivals`), so a shared store delivers without
/// waiting for the next poll.
struct ArrivalForwarder: Service {
    let store: any EventStore
    let supervisor: DeliverySupervisor
    /// The console's live tails, which show events other instances accepted too.
    let tails: ArrivalBroadcast

    func run() async throws {
        let arrivals = self.store.remoteArrivals()
        await cancelWhenGracefulShutdown {
            for await tenant in arrivals {
                self.supervisor.notify(tenant: tenant)
                self.tails.notify(tenant: tenant)
            }
        }
        // A store that never announces (SQLite) ends its stream at once; a service that returns
        // early would stop the server, so wait for shutdown.
        try? await gracefulShutdown()
    }
}
