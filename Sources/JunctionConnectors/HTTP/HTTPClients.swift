import AsyncHTTPClient
import JunctionCore
import NIOCore
import NIOPosix
import NIOSSL

/// The HTTP connection pools every `http`-family connector shares: one verifying TLS
/// certificates and one that does not (for `insecure_skip_verify`), for hosts given as IP
/// addresses, and per host name a pool pinned to the address the address guard checked (see
/// `withClient(for:at:insecure:_:)`). Pools are bounded per host, and a connection that cannot
/// be established fails its request at once.
public final class HTTPClients: Sendable {
    /// Verifies certificates (the default).
    public let verifying: HTTPClient
    /// Accepts any certificate; used only by connectors with `insecure_skip_verify`.
    public let insecure: HTTPClient
    private let pinned: PinnedClients

    /// Creates both pools on `eventLoopGroup`, with at most `connectionsPerHost` connections
    /// to each host; the verifying ones trust `additionalTrustRoots` besides the system's
    /// certificate authorities.
    public init(
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, connectionsPerHost: Int = 64,
        additionalTrustRoots: [NIOSSLCertificate] = []
    ) {
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
        if !additionalTrustRoots.isEmpty {
            var verifyingTLS = TLSConfiguration.makeClientConfiguration()
            verifyingTLS.additionalTrustRoots = [.certificates(additionalTrustRoots)]
            configuration.tlsConfiguration = verifyingTLS
        }
        verifying = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
        var insecureConfiguration = configuration
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        insecureConfiguration.tlsConfiguration = tls
        insecure = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: insecureConfiguration)
        pinned = PinnedClients { [configuration, insecureConfiguration] host, address, insecure in
            var pinnedConfiguration = insecure ? insecureConfiguration : configuration
            pinnedConfiguration.dnsOverride = [host: address]
            return HTTPClient(eventLoopGroup: eventLoopGroup, configuration: pinnedConfiguration)
        }
    }

    /// Runs `body` with the client for a request to `host`: the shared pool when `address` is
    /// nil (the host is an IP address, connected to as written), else a pool that connects to
    /// the name only at `address`, the address the guard checked (`AddressGuard.check(host:)`).
    public func withClient<T>(
        for host: String, at address: [UInt8]?, insecure: Bool = false, isolation: isolated (any Actor)? = #isolation,
        _ body: (HTTPClient) async throws -> sending T
    ) async throws -> sending T {
        guard let address else { return try await body(insecure ? self.insecure : verifying) }
        return try await pinned.withClient(host: host, address: address, insecure: insecure, body)
    }

    /// Closes every pool.
    public func shutdown() async throws {
        await pinned.shutdown()
        try await verifying.shutdown()
        try await insecure.shutdown()
    }

    /// Opens the pools, trusting the certificate authorities in the PEM file `caFile` too (if
    /// given), runs `body` with them, and closes them however `body` ends. An unreadable file is
    /// `invalid_input` naming `tls_ca_file`.
    public static func with<T>(
        caFile: String? = nil, isolation: isolated (any Actor)? = #isolation, _ body: (HTTPClients) async throws -> sending T
    ) async throws -> sending T {
        var roots: [NIOSSLCertificate] = []
        if let caFile {
            do {
                roots = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw JunctionError.invalidInput("\(caFile) is not a readable PEM file of certificates.", field: "tls_ca_file")
            }
            guard !roots.isEmpty else {
                throw JunctionError.invalidInput("\(caFile) holds no certificate.", field: "tls_ca_file")
            }
        }
        return try await withClosing(HTTPClients(additionalTrustRoots: roots), close: { try await $0.shutdown() }, body)
    }
}

/// The `ServiceValues` key for the shared `HTTPClients`.
public enum HTTPClientsKey: ServiceKey {
    public typealias Value = HTTPClients
}
