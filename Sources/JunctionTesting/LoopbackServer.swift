import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// Runs test servers on a free loopback port for the length of a closure.
enum LoopbackServer {
    /// Serves `router` on `127.0.0.1` at a free port, runs `body` with the port, then stops the server.
    static func serve<Router: HTTPResponderBuilder, T: Sendable>(
        _ router: Router, server: HTTPServerBuilder = .http1(), _ body: @Sendable (Int) async throws -> T
    ) async throws -> T where Router.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "loopback-server")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            let serviceGroup = ServiceGroup(configuration: .init(services: [app], logger: logger))
            group.addTask { try await serviceGroup.run() }
            var iterator = portStream.makeAsyncIterator()
            guard let port = await iterator.next() else { throw HarnessError("the test server did not start") }
            do {
                let result = try await body(port)
                await serviceGroup.triggerGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                await serviceGroup.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}
