import NIOCore
import NIOPosix
import Synchronization

/// A TCP server on loopback that accepts connections, reads what arrives and never answers:
/// the upstream that hangs, for timeout and cancellation tests. It counts the connections it
/// accepted and those the other side closed.
public final class SilentServer: Sendable {
    /// The base URL, e.g. `http://127.0.0.1:54321`.
    public let url: String
    private let counts: Counts

    final class Counts: Sendable {
        private let state = Mutex((accepted: 0, closed: 0))
        var accepted: Int { state.withLock { $0.accepted } }
        var closed: Int { state.withLock { $0.closed } }
        func accept() { state.withLock { $0.accepted += 1 } }
        func close() { state.withLock { $0.closed += 1 } }
    }

    private init(url: String, counts: Counts) {
        self.url = url
        self.counts = counts
    }

    /// Connections accepted so far.
    public var accepted: Int { counts.accepted }
    /// Connections the client has closed so far.
    public var closed: Int { counts.closed }

    /// Serves on a free port while `body` runs.
    public static func with<T: Sendable>(_ body: @Sendable (SilentServer) async throws -> T) async throws -> T {
        let counts = Counts()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Swallow(counts: counts)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = SilentServer(url: "http://127.0.0.1:\(channel.localAddress?.port ?? 0)", counts: counts)
        do {
            let result = try await body(server)
            try await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Reads and drops everything; counts the connection's start and end.
    private final class Swallow: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let counts: Counts
        init(counts: Counts) { self.counts = counts }
        func channelActive(context: ChannelHandlerContext) { counts.accept() }
        func channelInactive(context: ChannelHandlerContext) { counts.close() }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
    }
}
