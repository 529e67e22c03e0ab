import JunctionCore
import NIOCore
import NIOPosix

/// Opens the TCP connections of the families that speak their own protocol (SFTP, FTP).
enum TCPConnection {
    /// Connects to `address:port` (an address the network policy checked) within 10 s, with
    /// `initialize` adding the channel's handlers; failures are mapped for `context`.
    static func open(
        address: String, port: Int, context: String, initialize: @escaping @Sendable (any Channel) throws -> Void
    ) async throws -> any Channel {
        do {
            return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try initialize(channel) } }
                .connect(host: address, port: port).get()
        } catch {
            throw SocketFailure.map(error, context: context, safeToRepeat: true)
                ?? JunctionError(.connectionRefused, "Could not connect to \(context): \(error).", retryable: true, cause: error)
        }
    }
}
