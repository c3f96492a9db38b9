import RouterCore
import Synchronization

/// Partition leases a test hands out and takes back, for an `InMemoryEventStore` that plays one
/// router instance among several: `lease` grants only what the test granted, and a commit for
/// a partition not granted throws `PartitionLeaseLost`, as a store shared with another instance
/// that took the partition over would.
public final class ScriptedLeases: Sendable {
    private struct State {
        var granted: Set<PartitionKey>
        var requests = 0
        var released: Set<PartitionKey> = []
        var left = false
    }

    private let state: Mutex<State>
    /// How long a lease lasts: the supervisor renews every third of it (at most every second),
    /// so a short one makes it notice a grant or a revocation quickly.
    public let leaseDuration: Duration

    /// Creates leases granting `partitions` at first.
    public init(granting partitions: Set<PartitionKey> = [], leaseDuration: Duration = .milliseconds(300)) {
        self.state = Mutex(State(granted: partitions))
        self.leaseDuration = leaseDuration
    }

    /// Lets this instance hold `partitions` from its next lease request on.
    public func grant(_ partitions: PartitionKey...) {
        self.state.withLock { $0.granted.formUnion(partitions) }
    }

    /// Takes `partitions` away (another instance took them over): the next lease request does
    /// not return them, and commits for them fail at once.
    public func revoke(_ partitions: PartitionKey...) {
        self.state.withLock { $0.granted.subtract(partitions) }
    }

    /// The partitions granted now.
    public var granted: Set<PartitionKey> { self.state.withLock { $0.granted } }

    /// How many times the store was asked for leases (to wait until a change was seen).
    public var requests: Int { self.state.withLock { $0.requests } }

    /// Partitions the instance gave up (`releaseLeases`).
    public var released: Set<PartitionKey> { self.state.withLock { $0.released } }

    /// True once the instance released its leases on leaving (graceful shutdown).
    public var left: Bool { self.state.withLock { $0.left } }

    /// True while `partition` is granted.
    func holds(_ partition: PartitionKey) -> Bool {
        self.state.withLock { $0.granted.contains(partition) }
    }

    /// Answers a lease request: what is wanted and granted.
    func answer(_ wanted: Set<PartitionKey>) -> LeaseGrant {
        self.state.withLock { state in
            state.requests += 1
            return LeaseGrant(held: wanted.intersection(state.granted), share: .max)
        }
    }

    /// Gives partitions up: they are no longer granted.
    func release(_ partitions: Set<PartitionKey>, leaving: Bool) {
        self.state.withLock { state in
            state.released.formUnion(partitions)
            state.granted.subtract(partitions)
            if leaving {
                state.left = true
                state.granted = []
            }
        }
    }
}
