import JunctionCore
import Synchronization

/// The tenant runtime cache (DESIGN §3): prepared connectors keyed `tenant:connector`, kept for
/// a time-to-live, dropped on every write through the API and on refresh requests.
public final class ConnectorCache: Sendable {
    /// Hits, misses, evictions and live entries of one tenant.
    public struct Stats: Sendable, Hashable, Encodable {
        public var entries = 0
        public var hits = 0
        public var misses = 0
        public var evictions = 0
    }

    private struct Entry {
        var connector: PreparedConnector
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var stats: [String: Stats] = [:]
        /// Bumped by every invalidation: a build that started before one is not stored.
        var generation = 0
        /// Builds in flight, shared by concurrent misses of the same key, with how many callers
        /// wait for each: a build nobody waits for any more is cancelled.
        var building: [String: (task: Task<PreparedConnector, any Error>, waiters: Int)] = [:]
    }

    private let state = Mutex(State())
    /// How long a prepared connector is kept. Default 30 s.
    public let timeToLive: Duration
    /// Told about every invalidation: what a tenant's tools are may have changed.
    public let changes = ChangeFeed()

    public init(timeToLive: Duration = .seconds(30)) {
        self.timeToLive = timeToLive
    }

    private static func key(_ tenantID: String, _ name: String) -> String { tenantID + ":" + name }

    /// Bumped by every invalidation (every connector, credential or template write through this
    /// server): what was derived from connectors before a change is stale once it moves.
    public var generation: Int { state.withLock { $0.generation } }

    /// The cached connector, or the one `build` makes (then cached).
    public func connector(
        tenantID: String,
        name: String,
        build: @escaping @Sendable () async throws -> PreparedConnector
    ) async throws -> PreparedConnector {
        let key = Self.key(tenantID, name)
        let now = ContinuousClock.now
        let cached: PreparedConnector? = state.withLock { state in
            if let entry = state.entries[key] {
                if entry.expires > now {
                    state.stats[tenantID, default: Stats()].hits += 1
                    return entry.connector
                }
                state.entries[key] = nil
                state.stats[tenantID, default: Stats()].evictions += 1
            }
            state.stats[tenantID, default: Stats()].misses += 1
            return nil
        }
        if let cached { return cached }
        let (task, generation) = state.withLock { state in
            if let running = state.building[key] {
                state.building[key]?.waiters += 1
                return (running.task, state.generation)
            }
            let task = Task { try await build() }
            state.building[key] = (task, 1)
            return (task, state.generation)
        }
        let built: PreparedConnector
        do {
            // A cancelled caller stops waiting at once; the build goes on while others wait for it.
            built = try await abandoning { try await task.value }
        } catch {
            state.withLock { state in
                guard state.building[key]?.task == task else { return }
                state.building[key]?.waiters -= 1
                if state.building[key]?.waiters == 0 {
                    state.building[key] = nil
                    task.cancel()
                }
            }
            throw error
        }
        state.withLock { state in
            if state.building[key]?.task == task { state.building[key] = nil }
            // A write that invalidated the cache while this build ran wins: nothing stale is stored.
            guard state.generation == generation else { return }
            if state.entries.count >= 1024 { Self.pruneExpired(&state) }
            state.entries[key] = Entry(connector: built, expires: .now + timeToLive)
        }
        return built
    }

    private static func pruneExpired(_ state: inout State) {
        let now = ContinuousClock.now
        for (key, entry) in state.entries where entry.expires <= now {
            state.entries[key] = nil
        }
    }

    /// Drops one connector, a tenant's connectors (`name == nil`), or everything (`tenantID == nil`).
    /// - Returns: how many entries were dropped.
    @discardableResult
    public func invalidate(tenantID: String? = nil, name: String? = nil) -> Int {
        defer { changes.publish(tenantID: tenantID) }
        return state.withLock { state in
            state.generation += 1
            let doomed = state.entries.keys.filter { key in
                guard let tenantID else { return true }
                guard let name else { return key.hasPrefix(tenantID + ":") }
                return key == Self.key(tenantID, name)
            }
            for key in doomed {
                state.entries[key] = nil
                let tenant = String(key[..<(key.firstIndex(of: ":") ?? key.endIndex)])
                state.stats[tenant, default: Stats()].evictions += 1
            }
            return doomed.count
        }
    }

    /// Drops the connectors whose time is up, so that what they hold (pools, MCP sessions) is
    /// let go although nobody asks for them again; answers how many went.
    @discardableResult
    public func removeExpired() -> Int {
        let now = ContinuousClock.now
        let expired: [PreparedConnector] = state.withLock { state in
            let doomed = state.entries.filter { $0.value.expires <= now }
            for key in doomed.keys {
                state.entries[key] = nil
                let tenant = String(key[..<(key.firstIndex(of: ":") ?? key.endIndex)])
                state.stats[tenant, default: Stats()].evictions += 1
            }
            return doomed.values.map(\.connector)
        }
        // Released here, outside the lock.
        return expired.count
    }

    /// Per-tenant statistics, with live entry counts.
    public func stats() -> [String: Stats] {
        state.withLock { state in
            var stats = state.stats
            for key in stats.keys { stats[key]?.entries = 0 }
            let now = ContinuousClock.now
            for (key, entry) in state.entries where entry.expires > now {
                let tenant = String(key[..<(key.firstIndex(of: ":") ?? key.endIndex)])
                stats[tenant, default: Stats()].entries += 1
            }
            return stats
        }
    }
}
