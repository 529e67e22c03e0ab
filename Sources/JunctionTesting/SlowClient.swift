import NIOCore
import NIOPosix
import Synchronization

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
                    do {
                        for try await chunk in inbound { received += String(buffer: chunk) }
                    } catch let error as IOError where error.errnoCode == ECONNRESET {
                        // Closed by the server with bytes of ours unread: a reset is a close too.
                    }
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

/// A connection held open on loopback, for tests of what the server closes: it sends only what
/// it is told to and keeps what comes back.
public final class HeldConnection: Sendable {
    private let channel: any Channel
    private let inbox: Inbox

    private final class Inbox: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = Mutex("")

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let chunk = String(buffer: unwrapInboundIn(data))
            received.withLock { $0 += chunk }
        }
    }

    /// Connects to `port` on loopback.
    public init(port: Int) async throws {
        let inbox = Inbox()
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(inbox) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        self.inbox = inbox
    }

    /// Whether the connection is still open (the server has not closed it).
    public var isOpen: Bool { channel.isActive }
    /// What the server sent so far.
    public var received: String { inbox.received.withLock { $0 } }

    /// Sends `text` as it is.
    public func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Closes the connection from this side.
    public func close() async {
        try? await channel.close()
    }
}
