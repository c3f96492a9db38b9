import AsyncHTTPClient
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shared rules for turning HTTP answers and network failures into delivery outcomes, used by
/// every destination that speaks HTTP.
public enum HTTPFailure {
    /// How much of a response body goes into a failure message.
    public static let maxBodyExcerptBytes = 1024

    /// A request that got no answer (refused, reset, timed out): always a retry.
    ///
    /// - Parameters:
    ///   - error: what the HTTP client threw.
    ///   - service: who was called, for the message ("Segment", "the webhook receiver").
    public static func outcome(for error: any Error, service: String) -> DeliveryOutcome {
        let code: String
        switch error {
        case let error as HTTPClientError:
            switch error {
            case .deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout,
                .tlsHandshakeTimeout, .httpProxyHandshakeTimeout, .socksHandshakeTimeout:
                code = "timeout"
            case .remoteConnectionClosed:
                code = "connection_closed"
            case .cancelled, .alreadyShutdown:
                code = "cancelled"
            default:
                code = "network_error"
            }
        case ChannelError.connectTimeout:
            code = "timeout"
        case let error as NIOConnectionError:
            let refused = error.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            code = refused ? "connection_refused" : "connection_failed"
        case let error as IOError:
            code = error.errnoCode == ECONNREFUSED ? "connection_refused" : "connection_failed"
        case is CancellationError:
            code = "cancelled"
        default:
            code = "network_error"
        }
        return .retry(after: nil, reason: FailureReason(code: code, message: "no answer from \(service): \(error)"))
    }

    /// Reads a `Retry-After` value: whole seconds or an HTTP date, capped at `cap`; a date in
    /// the past is zero. Nil when the value is neither.
    public static func retryAfter(_ value: String, now: Timestamp, cap: Duration) -> Duration? {
        let text = value.trimmingWhitespace()
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard let seconds = Int64(text) else { return cap }
            return min(.seconds(seconds), cap)
        }
        guard let date = HTTPDate.parse(text) else { return nil }
        return min(max(date.duration(since: now), .zero), cap)
    }

    /// Reads a whole response body (so the connection can be reused) but keeps only its first
    /// `maxBodyExcerptBytes`.
    public static func collectExcerpt(_ body: HTTPClientResponse.Body) async throws -> [UInt8] {
        var kept: [UInt8] = []
        for try await chunk in body where kept.count < Self.maxBodyExcerptBytes + 1 {
            kept.append(contentsOf: chunk.readableBytesView.prefix(Self.maxBodyExcerptBytes + 1 - kept.count))
        }
        return kept
    }

    /// The first `maxBodyExcerptBytes` of a body as one line of text, for failure messages.
    public static func excerpt(_ body: some Collection<UInt8>) -> String {
        let bytes = body.prefix(Self.maxBodyExcerptBytes).map { $0 < 0x20 || $0 == 0x7f ? UInt8(ascii: " ") : $0 }
        var text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        if body.count > Self.maxBodyExcerptBytes { text += "…" }
        return text
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = self.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
