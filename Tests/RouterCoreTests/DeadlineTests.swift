import RouterCore
import Synchronization
import Testing

struct DeadlineTests {
    @Test func aFastOperationReturnsItsResult() async throws {
        #expect(try await withDeadline(.seconds(5)) { 42 } == 42)
    }

    @Test func anOperationThatIgnoresCancellationStillTimesOutOnTime() async throws {
        // Waits on a continuation nobody cancels, like a driver on a dead connection.
        let started = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(.milliseconds(100)) {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    Task.detached {
                        try? await Task.sleep(for: .seconds(3))
                        continuation.resume()
                    }
                }
                return 1
            }
        }
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func anOperationsErrorPassesThrough() async throws {
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await withDeadline(.seconds(5)) { () async throws -> Int in throw Boom() }
        }
    }
}
