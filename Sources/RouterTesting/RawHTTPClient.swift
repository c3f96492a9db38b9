import NIOCore
import NIOPosix

/// A TCP client that sends exactly what a test scripts (a request cut short, a body that
/// trickles in), to check how the server treats clients that misbehave.
public enum RawHTTPClient {
    /// One step of a script.
    public enum Step: Sendable {
        /// Sends these bytes.
        case send(String)
        /// Waits before the next step.
        case pause(Duration)
    }

    /// What the server did.
    public struct Outcome: Sendable {
        /// Everything the server sent.
        public var received: String
        /// How long after the connection opened the server closed it; nil when it had not
        /// closed it when the time to listen ran out.
        public var closedAfter: Duration?

        /// The status code of the first response, if one came.
        public var status: Int? {
            guard self.received.hasPrefix("HTTP/1.1 ") else { return nil }
            return Int(self.received.dropFirst(9).prefix(3))
        }

        /// The body of the first response (what follows the blank line after its head).
        public var body: String {
            let parts = self.received.split(separator: "\r\n\r\n", maxSplits: 1, omittingEmptySubsequences: false)
            return parts.count == 2 ? String(parts[1]) : ""
        }
    }

    /// Connects to `127.0.0.1:port`, runs `steps` (a send the server no longer takes is
    /// dropped), and reads until the server closes the connection or `listen` has passed since
    /// it opened.
    public static func exchange(port: Int, _ steps: [Step], listen: Duration) async throws -> Outcome {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        let started = ContinuousClock.now
        let connection = channel.channel
        let (received, closedAfter) = try await channel.executeThenClose { inbound, outbound in
            await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for step in steps {
                        switch step {
                        case .send(let text): try? await outbound.write(ByteBuffer(string: text))
                        case .pause(let duration): try await Task.sleep(for: duration)
                        }
                    }
                    // The time to listen ran out: stop reading.
                    try await Task.sleep(until: started + listen)
                    try? await connection.close()
                }
                var received = ByteBuffer()
                do {
                    for try await var chunk in inbound { received.writeBuffer(&chunk) }
                } catch {
                    // A reset closes the connection too.
                }
                let elapsed = ContinuousClock.now - started
                let closedAfter: Duration? = elapsed < listen ? elapsed : nil
                group.cancelAll()
                return (received, closedAfter)
            }
        }
        return Outcome(received: String(buffer: received), closedAfter: closedAfter)
    }
}
