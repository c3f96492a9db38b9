import RouterCore
import Synchronization

/// Group commit for the PostgreSQL store: concurrent `append` calls that arrive while earlier
/// statements run are stored together by the next statement, so one commit (one WAL flush)
/// serves many requests.
///
/// Each caller still gets its own answer: which of its events were new. When the shared
/// statement fails, every caller in it gets the error (nothing of theirs was stored).
final class AppendBatcher: Sendable {
    private struct Job {
        let events: [RetentionEvent]
        let routes: [[String]]
        let continuation: CheckedContinuation<[Bool], any Error>
    }

    private struct State {
        var queue: [Job] = []
        var running = 0
    }

    private let state = Mutex(State())
    private let maxConcurrent: Int
    private let maxEvents: Int
    private let execute: @Sendable ([RetentionEvent], [[String]]) async throws -> Set<EventKey>

    /// - Parameters:
    ///   - maxConcurrent: statements in flight at once (each on its own connection).
    ///   - maxEvents: the most events one statement takes (a single larger request still goes
    ///     alone).
    ///   - execute: stores events and returns the keys of those that were new.
    init(maxConcurrent: Int, maxEvents: Int, execute: @escaping @Sendable ([RetentionEvent], [[String]]) async throws -> Set<EventKey>) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.maxEvents = max(1, maxEvents)
        self.execute = execute
    }

    /// Stores the events with the next statement; per event, true when it was new.
    func append(_ events: [RetentionEvent], routes: [[String]]) async throws -> [Bool] {
        try await withCheckedThrowingContinuation { continuation in
            let startDrain = self.state.withLock { state -> Bool in
                state.queue.append(Job(events: events, routes: routes, continuation: continuation))
                guard state.running < self.maxConcurrent else { return false }
                state.running += 1
                return true
            }
            if startDrain {
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while true {
            let jobs = self.state.withLock { state -> [Job] in
                guard !state.queue.isEmpty else {
                    state.running -= 1
                    return []
                }
                var taken = 0
                var count = 0
                for job in state.queue {
                    if taken > 0, count + job.events.count > self.maxEvents { break }
                    taken += 1
                    count += job.events.count
                }
                let jobs = Array(state.queue.prefix(taken))
                state.queue.removeFirst(taken)
                return jobs
            }
            guard !jobs.isEmpty else { return }
            do {
                var new = try await self.execute(jobs.flatMap(\.events), jobs.flatMap(\.routes))
                // In queue order, so the first copy of an id sent twice at once is the new one.
                for job in jobs {
                    job.continuation.resume(returning: job.events.map { new.remove(EventKey(tenant: $0.tenant, id: $0.id)) != nil })
                }
            } catch {
                for job in jobs { job.continuation.resume(throwing: error) }
            }
        }
    }
}
