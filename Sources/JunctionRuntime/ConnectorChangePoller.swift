import Foundation
import JunctionCore
import JunctionStorage
import ServiceLifecycle

/// For a process beside the server that shares its data directory (`junction mcp --data-dir`):
/// another process writes the connectors, so their fingerprint is compared every `interval`
/// and this process's cache entries of the tenant are dropped on a change, which announces it
/// on the cache's change feed.
public struct ConnectorChangePoller: Service {
    private let store: any Store
    private let cache: ConnectorCache
    private let tenantID: String
    private let interval: Duration

    public init(store: any Store, cache: ConnectorCache, tenantID: String, interval: Duration = .seconds(2)) {
        self.store = store
        self.cache = cache
        self.tenantID = tenantID
        self.interval = interval
    }

    public func run() async throws {
        var last: [String]?
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            if let connectors = try? await store.connectors(ConnectorQuery(tenantID: tenantID)) {
                let fingerprint = connectors.map { "\($0.name)|\($0.enabled)|\($0.updatedAt.timeIntervalSince1970)" }.sorted()
                if let last, last != fingerprint { cache.invalidate(tenantID: tenantID) }
                last = fingerprint
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
