import Synchronization

/// Writes items in groups: the items of concurrent callers share one write (one transaction),
/// and each caller returns once its item is written. Nothing is queued past its caller's return,
/// so nothing is lost: a hot path keeps its durability and pays for one write per group instead
/// of one per call.
///
/// The first caller to find no write in progress leads: it writes its item with every item
/// waiting, wakes their callers, and hands the lead to the next waiter, so no caller writes for
/// others for long.
public final class GroupCommit<Item: Sendable>: Sendable {
    /// What a waiting caller is told.
    private enum Turn {
        case written
        case lead
    }

    private struct Waiter {
        var item: Item
        var continuation: CheckedContinuation<Turn, Never>
    }

    private struct State {
        var writing = false
        var waiting: [Waiter] = []
    }

    private let state = Mutex(State())
    private let write: @Sendable ([Item]) async -> Void

    /// - Parameter write: stores a group of items; it handles its own failures (a group whose
    ///   write failed still releases its callers).
    public init(write: @escaping @Sendable ([Item]) async -> Void) {
        self.write = write
    }

    /// Writes `item`, with whatever other callers are writing at the same time.
    public func submit(_ item: Item) async {
        let leads = state.withLock { state in
            guard !state.writing else { return false }
            state.writing = true
            return true
        }
        var batch = [item]
        if !leads {
            let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
                // The lead may have ended between the check above and now: then this caller leads.
                let waits = state.withLock { state in
                    guard state.writing else {
                        state.writing = true
                        return false
                    }
                    state.waiting.append(Waiter(item: item, continuation: continuation))
                    return true
                }
                if !waits { continuation.resume(returning: .lead) }
            }
            guard turn == .lead else { return }
        }
        // Leading: this caller's item and every waiting one, in one write.
        let waiters = state.withLock { state in
            defer { state.waiting = [] }
            return state.waiting
        }
        batch += waiters.map(\.item)
        await write(batch)
        for waiter in waiters { waiter.continuation.resume(returning: .written) }
        let next = state.withLock { state -> Waiter? in
            guard !state.waiting.isEmpty else {
                state.writing = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        // The next waiter leads with its own item (and the ones behind it).
        next?.continuation.resume(returning: .lead)
    }
}
