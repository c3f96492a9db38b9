import RouterCore
import RouterTesting
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(2)))
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
                        try? await Task.sleep(for: .seconds(30))
                        continuation.resume()
                    }
                }
                return 1
            }
        }
        // Far below the 30 s the operation takes, with room for a loaded machine (5.3 s seen
        // with the whole suite starting at once on two cores).
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func anOperationsErrorPassesThrough() async throws {
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await withDeadline(.seconds(5)) { () async throws -> Int in throw Boom() }
        }
    }
}

/// `withAnswer`: a deadline for callback-style operations with no task per wait.
@Suite(.timeLimit(.minutes(2)))
struct DeadlineAnswerTests {
    let sweeper = DeadlineSweeper(interval: .milliseconds(20))

    @Test func anAnswerGivenAtOnceOrLaterIsReturned() async throws {
        #expect(try await withAnswer(within: .seconds(5), sweeper: self.sweeper) { $0.resume(with: .success(1)) } == 1)
        let later = try await withAnswer(within: .seconds(5), sweeper: self.sweeper) { (answer: DeadlineAnswer<Int>) in
            Task.detached {
                try? await Task.sleep(for: .milliseconds(50))
                answer.resume(with: .success(2))
            }
        }
        #expect(later == 2)
        #expect(self.sweeper.pending == 0, "answered waits leave nothing registered")
    }

    @Test(.timeLimit(.minutes(1)))
    func noAnswerIsADeadlineExceededOnTimeAndALateAnswerIsDropped() async throws {
        let kept = Mutex<DeadlineAnswer<Int>?>(nil)
        let started = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            try await withAnswer(within: .milliseconds(100), sweeper: self.sweeper) { answer in
                kept.withLock { $0 = answer }
            }
        }
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(100))
        // Due at 0.1 s; the margin is for a parallel test run that keeps both cores busy (2.9 s
        // seen on a loaded machine). Without a sweeper the wait would never end.
        #expect(waited < .seconds(10))
        let answer = try #require(kept.withLock { $0 })
        #expect(answer.isAnswered)
        #expect(answer.resume(with: .success(3)) == false)
        #expect(self.sweeper.pending == 0)
    }

    @Test func theOperationsErrorPassesThrough() async throws {
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await withAnswer(within: .seconds(5), sweeper: self.sweeper) { (answer: DeadlineAnswer<Int>) in
                answer.resume(with: .failure(Boom()))
            }
        }
    }

    @Test func cancellingTheWaiterAnswersCancellationError() async throws {
        let waiter = Task {
            try await withAnswer(within: .seconds(30), sweeper: self.sweeper) { (_: DeadlineAnswer<Int>) in }
        }
        #expect(try await eventually { self.sweeper.pending == 1 }, "the wait is registered")
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(self.sweeper.pending == 0)
    }

    @Test func manyWaitsShareOneSweeperAndEachGetsItsOwnAnswer() async throws {
        let results = try await withThrowingTaskGroup(of: (Int, Int?).self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        let value = try await withAnswer(within: .milliseconds(200), sweeper: self.sweeper) { (answer: DeadlineAnswer<Int>) in
                            // Odd ones are never answered.
                            if index % 2 == 0 { answer.resume(with: .success(index)) }
                        }
                        return (index, value)
                    } catch is DeadlineExceeded {
                        return (index, nil)
                    }
                }
            }
            var results: [Int: Int?] = [:]
            for try await (index, value) in group { results[index] = value }
            return results
        }
        for index in 0..<200 {
            #expect(results[index] == (index % 2 == 0 ? index : nil))
        }
        #expect(self.sweeper.pending == 0)
    }
}
