import NIOCore
import NIOPosix
import Synchronization

/// A TCP server on loopback that plays an upstream gone wrong, for timeout, cancellation and
/// error-code tests. It counts the connections it accepted and those the other side closed.
public final class MisbehavingServer: Sendable {
    /// What the server does with a request.
    public enum Behaviour: Sendable {
        /// Reads what arrives and never answers.
        case silent
        /// Closes the connection once the request has arrived, without answering.
        case hangUp
        /// Answers `200` headers announcing a 1000-byte JSON body, then sends one byte of it
        /// every `interval`.
        case trickle(interval: Duration)
    }

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

    /// Serves on a free port, behaving as `behaviour`, while `body` runs.
    public static func with<T: Sendable>(
        _ behaviour: Behaviour = .silent, _ body: @Sendable (MisbehavingServer) async throws -> T
    ) async throws -> T {
        let counts = Counts()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Misbehaviour(counts: counts, behaviour: behaviour))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = MisbehavingServer(url: "http://127.0.0.1:\(channel.localAddress?.port ?? 0)", counts: counts)
        do {
            let result = try await body(server)
            try await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Counts the connection's start and end, and misbehaves once a request arrives.
    private final class Misbehaviour: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let counts: Counts
        let behaviour: Behaviour
        private let answering = Mutex(false)

        init(counts: Counts, behaviour: Behaviour) {
            self.counts = counts
            self.behaviour = behaviour
        }

        func channelActive(context: ChannelHandlerContext) { counts.accept() }
        func channelInactive(context: ChannelHandlerContext) { counts.close() }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch behaviour {
            case .silent:
                return
            case .hangUp:
                context.close(promise: nil)
            case .trickle(let interval):
                guard !answering.withLock({ let was = $0; $0 = true; return was }) else { return }
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                context.writeAndFlush(NIOAny(ByteBuffer(string: head)), promise: nil)
                let channel = context.channel
                let every = TimeAmount(interval)
                channel.eventLoop.scheduleRepeatedTask(initialDelay: every, delay: every) { task in
                    guard channel.isActive else { return task.cancel() }
                    channel.writeAndFlush(ByteBuffer(string: " "), promise: nil)
                }
            }
        }
    }
}
