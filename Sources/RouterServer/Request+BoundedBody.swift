import Hummingbird
import NIOCore

extension Request {
    /// The whole body, at most `limit` bytes; a larger one is answered 413 `body_too_large` with
    /// the API's JSON error (Hummingbird's own 413 has no body).
    func collectBody(upTo limit: Int) async throws -> ByteBuffer {
        do {
            return try await self.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "the body is larger than the limit of \(limit) bytes")
        }
    }
}
