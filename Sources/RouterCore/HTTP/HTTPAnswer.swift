import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// What a remote answered: status, headers and the first kilobyte of the body.
public struct HTTPAnswer: Sendable {
    /// The HTTP status code.
    public let status: Int
    /// The response headers.
    public let headers: HTTPHeaders
    /// The first `HTTPFailure.maxBodyExcerptBytes` (+1) bytes of the body.
    public let bodyExcerpt: [UInt8]
}

extension HTTPClient {
    /// Sends `request` and reads the answer, all within `timeout`: connecting, sending, the
    /// response head and the whole body. The body is read to its end (so the connection can be
    /// reused) but only its first kilobyte is kept.
    ///
    /// - Throws: `HTTPClientError.deadlineExceeded` when `timeout` passes, or the client's error.
    public func send(_ request: HTTPClientRequest, timeout: Duration) async throws -> HTTPAnswer {
        let (seconds, attoseconds) = timeout.components
        let deadline = NIODeadline.now() + .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        return try await withThrowingTaskGroup(of: HTTPAnswer?.self) { group in
            group.addTask {
                let response = try await self.execute(request, deadline: deadline)
                let excerpt = try await HTTPFailure.collectExcerpt(response.body)
                return HTTPAnswer(status: Int(response.status.code), headers: response.headers, bodyExcerpt: excerpt)
            }
            group.addTask {
                try await _Concurrency.Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let answer = first else {
                throw HTTPClientError.deadlineExceeded
            }
            return answer
        }
    }
}
