import NIOCore
import Synchronization

/// The server's open inbound connections, and which of them are idle (no request under way:
/// just opened, between keep-alive requests, or with a request head still arriving), oldest
/// idle first. Past `limit` open connections, each new one closes the connection idle the
/// longest, so that new clients (a health check among them) are served while idle ones
/// hold the server's open files.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let channel: any Channel
        /// Set while idle: the token of its place in the idle queue.
        var idleToken: UInt64?
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        /// Connections in the order they became idle; a place whose token no longer matches its
        /// entry's (busy again, or closed) is skipped.
        var idleQueue: [(id: UInt64, token: UInt64)] = []
        var idleQueueStart = 0
        var nextID: UInt64 = 0
        var nextToken: UInt64 = 0

        mutating func markIdle(_ id: UInt64) {
            guard entries[id] != nil else { return }
            nextToken += 1
            entries[id]?.idleToken = nextToken
            idleQueue.append((id, nextToken))
            // Places of connections that were idle, then busy again, pile up: drop them now and then.
            if idleQueue.count - idleQueueStart > 2 * entries.count + 1024 {
                idleQueue = idleQueue[idleQueueStart...].filter { entries[$0.id]?.idleToken == $0.token }
                idleQueueStart = 0
            }
        }

        /// Takes the connection idle the longest (but `sparing`) out of the idle queue.
        mutating func oldestIdle(sparing: UInt64) -> (any Channel)? {
            while idleQueueStart < idleQueue.count {
                let place = idleQueue[idleQueueStart]
                idleQueueStart += 1
                if place.id != sparing, let entry = entries[place.id], entry.idleToken == place.token {
                    entries[place.id]?.idleToken = nil
                    return entry.channel
                }
            }
            idleQueue.removeAll(keepingCapacity: true)
            idleQueueStart = 0
            return nil
        }
    }

    /// How many connections may be open before idle ones are closed for new ones.
    let limit: Int
    private let state = Mutex(State())
    private let onEviction: @Sendable () -> Void

    /// - Parameter onEviction: called for each idle connection closed to make room.
    init(limit: Int, onEviction: @escaping @Sendable () -> Void = {}) {
        self.limit = limit
        self.onEviction = onEviction
    }

    /// The number of open connections.
    var count: Int { state.withLock { $0.entries.count } }

    /// Registers a new connection, idle until its first request; returns its id. Past the
    /// limit the connection idle the longest is closed (none is, if all are busy).
    func open(_ channel: any Channel) -> UInt64 {
        let (id, victim) = state.withLock { state -> (UInt64, (any Channel)?) in
            state.nextID += 1
            let id = state.nextID
            state.entries[id] = Entry(channel: channel, idleToken: nil)
            state.markIdle(id)
            let victim = state.entries.count > limit ? state.oldestIdle(sparing: id) : nil
            return (id, victim)
        }
        if let victim {
            victim.close(promise: nil)
            onEviction()
        }
        return id
    }

    /// A request began on connection `id`.
    func busy(_ id: UInt64) {
        state.withLock { $0.entries[id]?.idleToken = nil }
    }

    /// Connection `id` answered its request and waits for the next.
    func idle(_ id: UInt64) {
        state.withLock { $0.markIdle(id) }
    }

    /// Connection `id` closed.
    func close(_ id: UInt64) {
        state.withLock { _ = $0.entries.removeValue(forKey: id) }
    }
}
