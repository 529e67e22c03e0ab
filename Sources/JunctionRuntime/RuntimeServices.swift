import JunctionConnectors
import JunctionCore
import ServiceLifecycle

/// The long-lived parts the invoke path shares: HTTP connection pools, the OAuth2 token cache
/// and the tenant runtime cache. A `Service`: it closes the pools on graceful shutdown.
public struct RuntimeServices: Service {
    /// The shared HTTP pools.
    public let httpClients: HTTPClients
    /// OAuth2 access tokens, one refresh in flight per credential.
    public let tokens: OAuth2TokenCache
    /// Prepared connectors per tenant.
    public let cache: ConnectorCache
    /// The guard against connections to denied addresses.
    public let addressGuard: AddressGuard

    /// Which programs `mcp` connectors may start.
    public let mcpCommands: MCPCommandPolicy

    public init(
        cacheTimeToLive: Duration = .seconds(30), networkPolicy: NetworkPolicy = NetworkPolicy(),
        mcpCommands: MCPCommandPolicy = MCPCommandPolicy()
    ) {
        self.mcpCommands = mcpCommands
        httpClients = HTTPClients()
        tokens = OAuth2TokenCache()
        cache = ConnectorCache(timeToLive: cacheTimeToLive)
        addressGuard = AddressGuard(policy: networkPolicy)
    }

    /// What connector instances may use.
    public var connectorServices: ServiceValues {
        var values = ServiceValues()
        values[HTTPClientsKey.self] = httpClients
        values[OAuth2TokenCacheKey.self] = tokens
        values[AddressGuardKey.self] = addressGuard
        values[MCPCommandPolicyKey.self] = mcpCommands
        return values
    }

    /// Waits for graceful shutdown, then closes the HTTP pools.
    public func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    /// Closes the HTTP pools, for users that do not run this as a service.
    public func shutdown() async throws {
        try await httpClients.shutdown()
    }
}
