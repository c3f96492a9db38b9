/// What a delivery worker knows about its partition's scheduled retries, so that a turn asks the
/// store for due retries only when some may be due.
///
/// Only a store one process owns can be known this way: retries are scheduled by this worker's
/// own commits, and an operator's replay or "retry now" goes through this process, which tells
/// the worker (`DeliveryWorker.retriesMayBeDue`). With a shared store it is always `unknown`.
/// Knowing a retry too early costs a look; it is never known too late.
enum RetryHorizon: Sendable, Equatable {
    /// Ask the store.
    case unknown
    /// No retry is scheduled.
    case none
    /// The earliest retry is due at this time (or later).
    case at(Timestamp)

    /// True when the store must be asked for due retries at `now`.
    func mayBeDue(at now: Timestamp) -> Bool {
        switch self {
        case .unknown: true
        case .none: false
        case .at(let due): due <= now
        }
    }

    /// The horizon after a retry was scheduled at `due`.
    func including(_ due: Timestamp) -> RetryHorizon {
        switch self {
        case .unknown: .unknown
        case .none: .at(due)
        case .at(let earlier): .at(min(earlier, due))
        }
    }

    /// When the earliest retry is due, if one is known to be scheduled.
    var due: Timestamp? {
        if case .at(let due) = self { return due }
        return nil
    }
}
