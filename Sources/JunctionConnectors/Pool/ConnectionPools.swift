import JunctionCore
import Synchronization

/// The connection pools of every connector instance, shared across rebuilds: a connector
/// prepared again (the runtime cache's time-to-live, a refresh) finds its pool by key and
/// keeps its open connections. A key names everything the connections depend on (connector,
/// address, credential), so a changed connector gets a new pool; `sweep()`, which the runtime
/// runs periodically, closes idle connections and forgets pools unused for `unusedTimeout`.
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
            if let pool = pools[key] as? ConnectionPool<Connection> {
                pool.touch()
                return pool
            }
            let pool = make()
            pools[key] = pool
            return pool
        }
    }

    /// Closes connections idle past their pool's timeout, and forgets pools unused for
    /// `unusedTimeout` that hold nothing any more. A forgotten pool is not shut down: a
    /// connector built on it may still use it (it opens connections again).
    public func sweep(now: ContinuousClock.Instant = .now) async {
        let all = pools.withLock { Array($0) }
        for (key, pool) in all {
            await pool.closeIdle(now: now)
            if pool.lastUse < now - unusedTimeout && pool.isEmpty {
                pools.withLock { pools in if pools[key] === pool { pools[key] = nil } }
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
    var isEmpty: Bool { get }
    func closeIdle(now: ContinuousClock.Instant) async
    func shutdown() async
}

extension ConnectionPool: SweptPool {}

/// The runtime's `ConnectionPools` in `ServiceValues`.
public enum ConnectionPoolsKey: ServiceKey {
    public typealias Value = ConnectionPools
}
