import RouterCore
import Synchronization

/// A destination for tests that delivers every event it is given and records each call's batch,
/// in order.
///
/// `hold()` makes calls wait, as a receiver that does not answer, until `release()`; a call
/// cancelled while it waits (its worker aborted) answers `retry` and records nothing.
public final class RecordingDestination: Destination {
    private struct State {
        var batches: [[RoutedEvent]] = []
        var started = 0
        var held = false
    }

    private let state = Mutex(State())
    private let gate = Wakeup()
    public let batchLimits: BatchLimits

    /// Creates a destination taking at most `maxEvents` events per call.
    public init(maxEvents: Int = 100) {
        self.batchLimits = BatchLimits(maxEvents: maxEvents)
    }

    public func deliver(_ batch: [RoutedEvent]) async -> [DeliveryOutcome] {
        self.state.withLock { $0.started += 1 }
        while self.state.withLock({ $0.held }), !Task.isCancelled {
            await self.gate.wait(until: nil)
        }
        if Task.isCancelled {
            let reason = FailureReason(code: "cancelled", message: "the call was cancelled")
            return batch.map { _ in .retry(after: nil, reason: reason) }
        }
        self.state.withLock { $0.batches.append(batch) }
        return batch.map { _ in .delivered }
    }

    /// Makes later calls (and one waiting now) wait until `release()`.
    public func hold() {
        self.state.withLock { $0.held = true }
    }

    /// Lets waiting and later calls deliver.
    public func release() {
        self.state.withLock { $0.held = false }
        self.gate.signal()
    }

    /// How many calls began (held ones included).
    public var calls: Int { self.state.withLock { $0.started } }

    /// The batches delivered, in order.
    public var batches: [[RoutedEvent]] { self.state.withLock { $0.batches } }

    /// The ids of every event delivered, in order.
    public var deliveredIDs: [String] { self.batches.flatMap { $0.map(\.event.id) } }
}
