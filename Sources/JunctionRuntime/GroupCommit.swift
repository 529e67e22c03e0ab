import Synchronization

/// Writes items in groups: the items of concurrent callers share one write (one transaction),
/// and each caller returns its own item's outcome once the write is done. Nothing is queued
/// past its caller's return, so nothing is lost: a hot path keeps its durability and pays for
/// one write per group instead of one per call.
///
/// The first caller to find no write in progress leads: it writes its item with every item
/// waiting, hands each waiting caller its outcome, and passes the lead to the next waiter, so
/// no caller writes for others for long.
public final class GroupCommit<Item: Sendable, Outcome: Sendable>: Sendable {
    /// What a waiting caller is told.
    private enum Turn {
        case written(Outcome)
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
    private let write: @Sendable ([Item]) async -> [Outcome]

    /// - Parameter write: stores a group of items and answers one outcome per item, in order;
    ///   it handles its own failures (as outcomes).
    public init(write: @escaping @Sendable ([Item]) async -> [Outcome]) {
        self.write = write
    }

    /// Writes `item`, with whatever other callers are writing at the same time.
    public func submit(_ item: Item) async -> Outcome {
        let leads = state.withLock { state in
            guard !state.writing else { return false }
            state.writing = true
            return true
        }
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
            if case .written(let outcome) = turn { return outcome }
        }
        // Leading: this caller's item and every waiting one, in one write.
        let waiters = state.withLock { state in
            defer { state.waiting = [] }
            return state.waiting
        }
        let outcomes = await write([item] + waiters.map(\.item))
        precondition(outcomes.count == waiters.count + 1, "GroupCommit's write must answer one outcome per item")
        for (waiter, outcome) in zip(waiters, outcomes.dropFirst()) { waiter.continuation.resume(returning: .written(outcome)) }
        let next = state.withLock { state -> Waiter? in
            guard !state.waiting.isEmpty else {
                state.writing = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        // The next waiter leads with its own item (and the ones behind it).
        next?.continuation.resume(returning: .lead)
        return outcomes[0]
    }
}
