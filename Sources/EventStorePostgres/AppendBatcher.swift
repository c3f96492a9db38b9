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
        let answer: DeadlineAnswer<[Bool]>
    }

    private struct State {
        var queue: [Job] = []
        var queuedEvents = 0
        var running = 0
    }

    /// Thrown when too many events wait for the database already.
    struct Overloaded: Error, CustomStringConvertible {
        let queued: Int
        var description: String { "\(self.queued) events are already waiting for PostgreSQL" }
    }

    private let state = Mutex(State())
    private let maxConcurrent: Int
    private let maxEvents: Int
    private let maxQueuedEvents: Int
    private let timeout: Duration
    private let execute: @Sendable ([RetentionEvent], [[String]]) async throws -> Set<EventKey>

    /// - Parameters:
    ///   - maxConcurrent: statements in flight at once (each on its own connection).
    ///   - maxEvents: the most events one statement takes (a single larger request still goes
    ///     alone).
    ///   - maxQueuedEvents: past this many waiting events, appends fail at once (ingest answers
    ///     503) instead of queueing behind a database that does not keep up.
    ///   - timeout: how long an append may wait, queued and running, and how long one statement
    ///     may take (a stuck one gives its slot back after it).
    ///   - execute: stores events and returns the keys of those that were new.
    init(
        maxConcurrent: Int,
        maxEvents: Int,
        maxQueuedEvents: Int,
        timeout: Duration,
        execute: @escaping @Sendable ([RetentionEvent], [[String]]) async throws -> Set<EventKey>
    ) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.maxEvents = max(1, maxEvents)
        self.maxQueuedEvents = max(maxEvents, maxQueuedEvents)
        self.timeout = timeout
        self.execute = execute
    }

    /// Stores the events with the next statement; per event, true when it was new.
    ///
    /// Throws `DeadlineExceeded` once `timeout` has passed, queued or not; events still queued
    /// then are not sent, and a statement already running may still store them.
    func append(_ events: [RetentionEvent], routes: [[String]]) async throws -> [Bool] {
        try await withAnswer(within: self.timeout) { answer in
            let decision = self.state.withLock { state -> (start: Bool, overloaded: Int?) in
                guard state.queuedEvents + events.count <= self.maxQueuedEvents else { return (false, state.queuedEvents) }
                state.queue.append(Job(events: events, routes: routes, answer: answer))
                state.queuedEvents += events.count
                guard state.running < self.maxConcurrent else { return (false, nil) }
                state.running += 1
                return (true, nil)
            }
            if let queued = decision.overloaded {
                answer.resume(with: .failure(Overloaded(queued: queued)))
            } else if decision.start {
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while true {
            let taken = self.state.withLock { state -> [Job] in
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
                state.queuedEvents -= count
                return jobs
            }
            guard !taken.isEmpty else { return }
            // Callers whose deadline passed while queued have their answer: skip their events.
            let jobs = taken.filter { !$0.answer.isAnswered }
            guard !jobs.isEmpty else { continue }
            do {
                let execute = self.execute
                let events = jobs.flatMap(\.events)
                let routes = jobs.flatMap(\.routes)
                var new = try await withDeadline(self.timeout) { try await execute(events, routes) }
                // In queue order, so the first copy of an id sent twice at once is the new one.
                for job in jobs {
                    job.answer.resume(with: .success(job.events.map { new.remove(EventKey(tenant: $0.tenant, id: $0.id)) != nil }))
                }
            } catch {
                for job in jobs { job.answer.resume(with: .failure(error)) }
            }
        }
    }
}
