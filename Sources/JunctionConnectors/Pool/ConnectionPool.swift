import JunctionCore
import Synchronization

/// A connection a `ConnectionPool` keeps open between calls (a database session, an SFTP
/// session).
public protocol PooledConnection: Sendable {
    /// Whether the connection can no longer be used (the peer closed it).
    var isClosed: Bool { get }
    /// Closes the connection; never throws.
    func close() async
}

/// A bounded pool of connections to one system: at most `limit` open at once, idle ones
/// reused (most recent first) and closed once idle for `idleTimeout`. A caller finding every
/// connection in use waits its turn until its wait deadline, then fails with
/// `too_many_connections`; a cancelled waiter leaves the queue at once.
public final class ConnectionPool<Connection: PooledConnection>: Sendable {
    /// What a waiter is handed: a free connection, or the right to open one.
    enum Grant {
        case connection(Connection)
        case slot
    }

    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Grant, any Error>
    }

    private struct State {
        var idle: [(connection: Connection, since: ContinuousClock.Instant)] = []
        /// Connections open or being opened.
        var open = 0
        var waiters: [Waiter] = []
        /// Waiters counted but not yet queued, and those of them cancelled in that moment.
        var arriving: Set<Int> = []
        var cancelled: Set<Int> = []
        var nextWaiter = 0
        var closed = false
        var lastUse = ContinuousClock.now
    }

    /// The most connections open at once.
    public let limit: Int
    /// How long an unused connection is kept.
    public let idleTimeout: Duration
    private let connect: @Sendable () async throws -> Connection
    private let state = Mutex(State())

    /// - Parameters:
    ///   - limit: the most connections open at once (at least one).
    ///   - idleTimeout: how long an unused connection is kept open.
    ///   - connect: opens one connection (throwing a `JunctionError` that says why not).
    public init(limit: Int, idleTimeout: Duration = .seconds(60), connect: @escaping @Sendable () async throws -> Connection) {
        self.limit = max(1, limit)
        self.idleTimeout = idleTimeout
        self.connect = connect
    }

    /// Runs `body` with a connection: an idle one, a new one while fewer than `limit` are
    /// open, or the next one released, waited for until `waitUntil`.
    ///
    /// A connection `body` leaves closed, or that `body` throws `discard` for, is not reused.
    public func withConnection<T: Sendable>(
        waitUntil: ContinuousClock.Instant,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        let connection = try await acquire(waitUntil: waitUntil)
        let result: T
        do {
            result = try await body(connection)
        } catch {
            await release(connection, reusable: !(error is DiscardConnection) && !Task.isCancelled)
            if let discard = error as? DiscardConnection { throw discard.error }
            throw error
        }
        await release(connection, reusable: true)
        return result
    }

    /// Thrown by a `withConnection` body: the connection must not be reused; `error` is
    /// what the caller sees.
    public struct DiscardConnection: Error {
        public var error: any Error
        public init(_ error: any Error) { self.error = error }
    }

    /// Connections open (in use, idle or being opened) and callers waiting.
    public var counts: (open: Int, idle: Int, waiting: Int) {
        state.withLock { ($0.open, $0.idle.count, $0.waiters.count) }
    }

    /// When the pool was last used.
    var lastUse: ContinuousClock.Instant { state.withLock { $0.lastUse } }

    /// Marks the pool used (a connector was built on it).
    func touch() {
        state.withLock { $0.lastUse = .now }
    }

    /// Whether the pool holds nothing: no connection open, nobody waiting.
    var isEmpty: Bool { state.withLock { $0.open == 0 && $0.waiters.isEmpty && $0.arriving.isEmpty } }

    private func acquire(waitUntil: ContinuousClock.Instant) async throws -> Connection {
        let (grant, stale) = try state.withLock { state throws(JunctionError) -> (Grant?, [Connection]) in
            guard !state.closed else { throw JunctionError(.unavailable, "The connection pool is closed (the server is stopping).") }
            state.lastUse = .now
            var stale: [Connection] = []
            while let (connection, _) = state.idle.popLast() {
                if !connection.isClosed { return (.connection(connection), stale) }
                state.open -= 1
                stale.append(connection)
            }
            if state.open < limit {
                state.open += 1
                return (.slot, stale)
            }
            return (nil, stale)
        }
        for connection in stale { await connection.close() }
        let granted: Grant
        if let grant { granted = grant } else { granted = try await wait(until: waitUntil) }
        switch granted {
        case .connection(let connection):
            return connection
        case .slot:
            do {
                return try await connect()
            } catch {
                handOnSlot()
                throw error
            }
        }
    }

    /// Waits for a released connection or slot until `deadline`.
    private func wait(until deadline: ContinuousClock.Instant) async throws -> Grant {
        let id = state.withLock { state in
            state.nextWaiter += 1
            state.arriving.insert(state.nextWaiter)
            return state.nextWaiter
        }
        let limit = limit
        return try await withDeadline(deadline, lateError: {
            JunctionError(
                .tooManyConnections, "All \(limit) connections of the connector's pool are in use; none was free in time (options.pool_size, options.pool_timeout_ms).",
                retryable: true)
        }) { [self] in
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let refusal = state.withLock { state -> (any Error)? in
                        state.arriving.remove(id)
                        if state.cancelled.remove(id) != nil { return CancellationError() }
                        if state.closed { return JunctionError(.unavailable, "The connection pool is closed (the server is stopping).") }
                        state.waiters.append(Waiter(id: id, continuation: continuation))
                        return nil
                    }
                    if let refusal { continuation.resume(throwing: refusal) }
                }
            } onCancel: {
                let waiter = state.withLock { state -> Waiter? in
                    if let index = state.waiters.firstIndex(where: { $0.id == id }) { return state.waiters.remove(at: index) }
                    // Not queued yet: it is refused when it is. (Already served: nothing to do.)
                    if state.arriving.contains(id) { state.cancelled.insert(id) }
                    return nil
                }
                waiter?.continuation.resume(throwing: CancellationError())
            }
        }
    }

    /// What becomes of a released connection, decided under one lock.
    private enum Release {
        case handOver(Waiter)
        case keepIdle
        case close(slotTo: Waiter?)
    }

    private func release(_ connection: Connection, reusable: Bool) async {
        let keep = reusable && !connection.isClosed
        let action = state.withLock { state -> Release in
            state.lastUse = .now
            if keep && !state.closed {
                if !state.waiters.isEmpty { return .handOver(state.waiters.removeFirst()) }
                state.idle.append((connection, .now))
                return .keepIdle
            }
            // Its slot goes to the first waiter (who opens a connection), or is freed.
            if !state.waiters.isEmpty && !state.closed { return .close(slotTo: state.waiters.removeFirst()) }
            state.open -= 1
            return .close(slotTo: nil)
        }
        switch action {
        case .handOver(let waiter):
            waiter.continuation.resume(returning: .connection(connection))
        case .keepIdle:
            break
        case .close(let waiter):
            waiter?.continuation.resume(returning: .slot)
            await connection.close()
        }
    }

    /// A connection went away: its slot goes to the first waiter, or is freed.
    private func handOnSlot() {
        let waiter = state.withLock { state -> Waiter? in
            if !state.waiters.isEmpty && !state.closed { return state.waiters.removeFirst() }
            state.open -= 1
            return nil
        }
        waiter?.continuation.resume(returning: .slot)
    }

    /// Closes the connections idle for longer than `idleTimeout`.
    public func closeIdle(now: ContinuousClock.Instant = .now) async {
        let expired = state.withLock { state -> [Connection] in
            let cutoff = now - idleTimeout
            let expired = state.idle.filter { $0.since < cutoff || $0.connection.isClosed }.map(\.connection)
            state.idle.removeAll { $0.since < cutoff || $0.connection.isClosed }
            state.open -= expired.count
            return expired
        }
        for connection in expired { await connection.close() }
    }

    /// Closes every idle connection and fails the waiters; connections in use close when released.
    public func shutdown() async {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            let idle = state.idle.map(\.connection)
            state.open -= idle.count
            state.idle = []
            defer { state.waiters = [] }
            return (idle, state.waiters)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: JunctionError(.unavailable, "The connection pool is closed (the server is stopping)."))
        }
        for connection in idle { await connection.close() }
    }
}
