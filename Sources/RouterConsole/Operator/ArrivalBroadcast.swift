import Synchronization

/// Tells the console's live tails that a tenant has new events: ingest on this instance, and
/// (through the store's arrival notices) ingest on every other instance sharing the store.
///
/// A notice carries no event: each tail reads what is new from the store, so it sees events
/// whichever instance accepted them, in the store's order. Notices coalesce into one flag per
/// tail, which the tail takes when it next looks. With no tail open, a notice costs one atomic
/// load, so ingest does not pay for the feature.
public final class ArrivalBroadcast: Sendable {
    /// One open tail's flag.
    public final class Subscription: Sendable {
        /// The tenant it follows.
        public let tenant: String
        fileprivate let id: Int
        private let flagged = Atomic<Bool>(true)

        fileprivate init(tenant: String, id: Int) {
            self.tenant = tenant
            self.id = id
        }

        fileprivate func flag() { self.flagged.store(true, ordering: .releasing) }

        /// True once after any number of notices since the last call (and on the first call).
        public func takeNotice() -> Bool {
            self.flagged.exchange(false, ordering: .acquiringAndReleasing)
        }
    }

    private let subscriptions = Mutex<[Int: Subscription]>([:])
    private let count = Atomic<Int>(0)
    private let nextID = Atomic<Int>(0)

    /// Creates a broadcast with no subscriber.
    public init() {}

    /// Announces that `tenant` has new events.
    public func notify(tenant: String) {
        guard self.count.load(ordering: .relaxed) > 0 else { return }
        self.subscriptions.withLock { subscriptions in
            for subscription in subscriptions.values where subscription.tenant == tenant {
                subscription.flag()
            }
        }
    }

    /// Starts following `tenant`; `cancel` the subscription when done.
    public func subscribe(tenant: String) -> Subscription {
        let subscription = Subscription(tenant: tenant, id: self.nextID.add(1, ordering: .relaxed).newValue)
        self.subscriptions.withLock { $0[subscription.id] = subscription }
        self.count.add(1, ordering: .relaxed)
        return subscription
    }

    /// Stops a subscription.
    public func cancel(_ subscription: Subscription) {
        let removed = self.subscriptions.withLock { $0.removeValue(forKey: subscription.id) }
        if removed != nil { self.count.subtract(1, ordering: .relaxed) }
    }
}
