import ServiceLifecycle

/// Lets go of prepared connectors nobody asked for within their time-to-live (with the
/// connection pools and MCP sessions they hold), every `interval`, so that a tenant's burst of
/// connectors does not stay in memory until each is asked for again.
public struct CacheSweep: Service {
    private let cache: ConnectorCache
    private let interval: Duration

    /// - Parameter interval: how often it sweeps. Default 30 s.
    public init(cache: ConnectorCache, interval: Duration = .seconds(30)) {
        self.cache = cache
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                cache.removeExpired()
            }
        }
    }
}
