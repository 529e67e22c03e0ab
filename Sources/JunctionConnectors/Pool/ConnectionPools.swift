import JunctionCore
import Synchronization

/// The connection pools of every connector instance, shared across rebuilds: a connector
/// prepared again (the runtime cache's time-to-live, a refresh) finds its pool by key and
/// keeps its open connections. A key names everything the connections depend on (connector,
/// address, credential), so a changed connector gets a new pool; pools unused for
/// `unusedTimeout` are shut down by `sweep()`, which the runtime runs periodically.
public final class ConnectionPools: Sendable {
    private let pools = Mutex<[String: any SweptPool]>([:])
    private let unusedTimeout: Duration

    /// - Parameter unusedTimeout: how long a pool nobody uses is kept (default 5 minutes).
    public init(unusedTimeout: Duration = .seconds(300)) {
        self.unusedTimeout = unusedTimeout
    }

    /// The pool for `key`, made by `make` if there is none (or it holds another kind of connection).
    public func pool<Connection: PooledConnection>(
        _ key: String, make: () -> ConnectionPool<Connection>
    ) -> ConnectionPool<Connection> {
        pools.withLock { pools in
            if let pool = pools[key] as? ConnectionPool<Connection> { return pool }
            let pool = make()
            pools[key] = pool
            return pool
        }
    }

    /// Closes connections idle past their pool's timeout, and shuts down pools unused for `unusedTimeout`.
    public func sweep(now: ContinuousClock.Instant = .now) async {
        let all = pools.withLock { Array($0) }
        for (key, pool) in all {
            if pool.lastUse < now - unusedTimeout {
                pools.withLock { pools in if pools[key] === pool { pools[key] = nil } }
                await pool.shutdown()
            } else {
                await pool.closeIdle(now: now)
            }
        }
    }

    /// Shuts every pool down (the server is stopping).
    public func shutdown() async {
        let all = pools.withLock { pools in
            defer { pools = [:] }
            return Array(pools.values)
        }
        for pool in all { await pool.shutdown() }
    }

    /// How many pools are kept.
    public var count: Int { pools.withLock { $0.count } }
}

/// What `ConnectionPools` needs of a pool, whatever its connections.
protocol SweptPool: AnyObject, Sendable {
    var lastUse: ContinuousClock.Instant { get }
    func closeIdle(now: ContinuousClock.Instant) async
    func shutdown() async
}

extension ConnectionPool: SweptPool {}

/// The runtime's `ConnectionPools` in `ServiceValues`.
public enum ConnectionPoolsKey: ServiceKey {
    public typealias Value = ConnectionPools
}
