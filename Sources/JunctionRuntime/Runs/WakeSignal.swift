import Synchronization

/// Wakes every waiting task at once, or lets each give up after a while. A waiter notes
/// ``generation`` before it looks (for work, for finished runs), so a wake-up between looking and
/// waiting is not lost.
public final class WakeSignal: Sendable {
    private struct Waiters {
        var generation = 0
        var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelled: Set<Int> = []
        var next = 0
    }

    private let state = Mutex(Waiters())

    public init() {}

    /// How many times the signal has fired.
    public var generation: Int { state.withLock { $0.generation } }

    /// Wakes every waiter.
    public func fire() {
        let woken = state.withLock { state in
            state.generation += 1
            defer { state.waiting = [:] }
            return state.waiting.values
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns after `limit`, or sooner once `fire` is called (at once if it was called since
    /// `generation` was `seen`).
    public func wait(since seen: Int, upTo limit: Duration) async {
        let id = state.withLock { state in
            state.next += 1
            return state.next
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let ready = self.state.withLock { state in
                            if state.cancelled.remove(id) != nil || state.generation != seen { return true }
                            state.waiting[id] = continuation
                            return false
                        }
                        if ready { continuation.resume() }
                    }
                } onCancel: {
                    let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                        if let waiter = state.waiting.removeValue(forKey: id) { return waiter }
                        state.cancelled.insert(id)
                        return nil
                    }
                    waiter?.resume()
                }
            }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
        // A cancellation mark left after the wait ended is dropped.
        state.withLock { _ = $0.cancelled.remove(id) }
    }
}
