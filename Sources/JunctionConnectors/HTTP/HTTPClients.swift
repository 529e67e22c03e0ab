import AsyncHTTPClient
import JunctionCore
import NIOCore
import NIOPosix
import NIOSSL

/// The HTTP connection pools every `http`-family connector shares: one verifying TLS
/// certificates and one that does not (for `insecure_skip_verify`). Pools are bounded per host,
/// and a connection that cannot be established fails its request at once.
public final class HTTPClients: Sendable {
    /// Verifies certificates (the default).
    public let verifying: HTTPClient
    /// Accepts any certificate; used only by connectors with `insecure_skip_verify`.
    public let insecure: HTTPClient

    /// Creates both pools on `eventLoopGroup`, with at most `connectionsPerHost` connections
    /// to each host.
    public init(eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, connectionsPerHost: Int = 64) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        // A failed connect fails the attempt at once: the invoke path's own retry policy (its
        // backoff, attempt count and Retry-After) decides what happens next. Left on, the pool
        // would retry connecting silently until the attempt's whole timeout had passed.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(10))
        // Junction bootstraps no tracer: without this, every request would make a no-op span
        // and set its attributes (about 7% of an invoke's CPU).
        configuration.tracing.tracer = nil
        verifying = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        configuration.tlsConfiguration = tls
        insecure = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
    }

    /// Closes both pools.
    public func shutdown() async throws {
        try await verifying.shutdown()
        try await insecure.shutdown()
    }

    /// Opens the pools, runs `body` with them, and closes them however `body` ends.
    public static func with<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: (HTTPClients) async throws -> sending T
    ) async throws -> sending T {
        try await withClosing(HTTPClients(), close: { try await $0.shutdown() }, body)
    }
}

/// The `ServiceValues` key for the shared `HTTPClients`.
public enum HTTPClientsKey: ServiceKey {
    public typealias Value = HTTPClients
}
