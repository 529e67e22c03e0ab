import NIOCore
import NIOPosix

/// A raw TCP client that talks HTTP the way hostile or broken clients do: headers a byte at a
/// time, a body shorter than its `Content-Length`, a body that trickles in.
public enum SlowClient {
    /// What came of one conversation.
    public struct Outcome: Sendable {
        /// What the server sent back.
        public var received: String
        /// Whether the server closed the connection (rather than `body` giving up waiting).
        public var closedByServer: Bool
    }

    /// Connects to `port` on loopback, sends `parts` with `pause` between them (stopping early
    /// if the server closes), then waits up to `limit` for the server to close the connection.
    public static func converse(port: Int, parts: [String], pause: Duration, waitingAtMost limit: Duration) async throws -> Outcome {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    var received = ""
                    for try await chunk in inbound { received += String(buffer: chunk) }
                    return Outcome(received: received, closedByServer: true)
                }
                group.addTask {
                    for (index, part) in parts.enumerated() {
                        if index > 0 { try await Task.sleep(for: pause) }
                        do { try await outbound.write(ByteBuffer(string: part)) } catch { break }
                    }
                    try await Task.sleep(for: limit)
                    return nil
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    if let outcome = next { return outcome }
                    return Outcome(received: "", closedByServer: false)
                }
                return Outcome(received: "", closedByServer: false)
            }
        }
    }
}
