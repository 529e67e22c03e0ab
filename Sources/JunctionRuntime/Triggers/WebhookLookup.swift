import JunctionConnectors
import JunctionCore
import JunctionStorage
import Synchronization

/// Webhook connectors found by id, remembered between requests so that ingest reads and
/// decrypts a connector once rather than per event. An entry is good while the connector
/// cache's generation is unchanged (no connector or credential write on this server since it
/// was read) and for at most `timeToLive` (writes by other servers sharing the store).
final class WebhookLookup: Sendable {
    typealias Found = (connector: ConnectorRecord, settings: WebhookSettings)

    private struct Entry {
        var found: Found
        var generation: Int
        var expires: ContinuousClock.Instant
    }

    private let cache: ConnectorCache
    private let entries = Mutex<[String: Entry]>([:])
    private let timeToLive: Duration
    private let capacity = 10_000

    init(cache: ConnectorCache, timeToLive: Duration = .seconds(5)) {
        self.cache = cache
        self.timeToLive = timeToLive
    }

    /// The generation to pass to `remember` for a connector read from now on.
    var generation: Int { cache.generation }

    func lookUp(_ id: String) -> Found? {
        let generation = cache.generation
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[id] else { return nil }
            guard entry.generation == generation, entry.expires > now else {
                entries[id] = nil
                return nil
            }
            return entry.found
        }
    }

    /// Remembers `found`, read after the cache was at `generation` (a write since then makes
    /// the entry stale at once).
    func remember(_ found: Found, id: String, generation: Int) {
        let expires = ContinuousClock.now + timeToLive
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[id] = Entry(found: found, generation: generation, expires: expires)
        }
    }
}
