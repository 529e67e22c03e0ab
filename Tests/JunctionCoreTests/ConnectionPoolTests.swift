import JunctionConnectors
import JunctionCore
import Synchronization
import Testing

/// The connection pool's accounting: its limit, waiters served in turn or refused past their
/// wait, cancelled waiters leaving, broken connections not reused, and sweeps that never close
/// a pool a connector still holds.
struct ConnectionPoolTests {
    final class Counter: Sendable {
        let opened = Atomic(0)
        let closed = Atomic(0)
    }

    struct Fake: PooledConnection {
        let id: Int
        let counter: Counter
        var isClosed: Bool { false }
        func close() async { counter.closed.add(1, ordering: .relaxed) }
    }

    static func pool(limit: Int, idle: Duration = .seconds(60), _ counter: Counter) -> ConnectionPool<Fake> {
        ConnectionPool(limit: limit, idleTimeout: idle) {
            Fake(id: counter.opened.add(1, ordering: .relaxed).newValue, counter: counter)
        }
    }

    @Test func aFullPoolMakesCallersWaitThenRefusesThem() async throws {
        let counter = Counter()
        let pool = Self.pool(limit: 1, counter)
        let held = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let first = Task {
            try await pool.withConnection(waitUntil: .now + .seconds(10)) { connection in
                held.continuation.yield()
                for await _ in release.stream { break }
                return connection.id
            }
        }
        for await _ in held.stream { break }
        await #expect(throws: JunctionError.self) {
            try await pool.withConnection(waitUntil: .now + .milliseconds(50)) { $0.id }
        }
        let waiting = Task { try await pool.withConnection(waitUntil: .now + .seconds(10)) { $0.id } }
        while pool.counts.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
        release.continuation.yield()
        #expect(try await first.value == 1)
        #expect(try await waiting.value == 1, "the waiter got the released connection")
        #expect(counter.opened.load(ordering: .relaxed) == 1)
        #expect(pool.counts.open == 1 && pool.counts.idle == 1)
    }

    @Test func aCancelledWaiterLeavesAndABrokenConnectionIsReplaced() async throws {
        let counter = Counter()
        let pool = Self.pool(limit: 1, counter)
        let held = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let first = Task {
            try await pool.withConnection(waitUntil: .now + .seconds(10)) { _ in
                held.continuation.yield()
                for await _ in release.stream { break }
                throw ConnectionPool<Fake>.DiscardConnection(JunctionError(.connectionReset, "broken"))
            }
        }
        for await _ in held.stream { break }
        let cancelled = Task { try await pool.withConnection(waitUntil: .now + .seconds(10)) { $0.id } }
        while pool.counts.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
        cancelled.cancel()
        await #expect(throws: (any Error).self) { try await cancelled.value }
        #expect(pool.counts.waiting == 0)
        release.continuation.yield()
        await #expect(throws: JunctionError.self) { try await first.value }
        #expect(counter.closed.load(ordering: .relaxed) == 1, "the broken connection was closed")
        #expect(try await pool.withConnection(waitUntil: .now + .seconds(1)) { $0.id } == 2, "and a new one opened")
        #expect(pool.counts.open == 1)
    }

    @Test func sweepsCloseIdleConnectionsButNeverAPoolInUse() async throws {
        let counter = Counter()
        let pools = ConnectionPools(unusedTimeout: .milliseconds(1))
        let pool = pools.pool("k") { Self.pool(limit: 2, idle: .milliseconds(1), counter) }
        #expect(try await pool.withConnection(waitUntil: .now + .seconds(1)) { $0.id } == 1)
        try await Task.sleep(for: .milliseconds(5))
        await pools.sweep()
        #expect(counter.closed.load(ordering: .relaxed) == 1, "the idle connection was closed")
        #expect(pools.count == 0, "the empty, unused pool was forgotten")
        #expect(try await pool.withConnection(waitUntil: .now + .seconds(1)) { $0.id } == 2, "but a connector holding it still works")
        await pool.shutdown()
        await #expect(throws: JunctionError.self) { try await pool.withConnection(waitUntil: .now + .seconds(1)) { $0.id } }
    }
}
