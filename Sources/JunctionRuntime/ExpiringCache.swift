import Synchronization

/// Values by key, each kept for a time-to-live; at most `capacity` of them (expired ones are
/// dropped every 1,024 insertions, and a cache still full is emptied). Every removal bumps `version`, so a value read from the store before a removal
/// can be refused (`insert(_:for:ifUnchangedSince:)`) instead of bringing back what was removed.
final class ExpiringCache<Value: Sendable>: Sendable {
    private struct Entries {
        var values: [String: (value: Value, expires: ContinuousClock.Instant)] = [:]
        var version = 0
        var insertions = 0
    }

    private let entries = Mutex(Entries())
    private let timeToLive: Duration
    private let capacity: Int

    /// - Parameter timeToLive: `.zero` keeps nothing.
    init(timeToLive: Duration, capacity: Int = 10_000) {
        self.timeToLive = timeToLive
        self.capacity = capacity
    }

    /// How many removals there were so far.
    var version: Int { entries.withLock { $0.version } }

    /// The value for `key`, unless it expired.
    func value(for key: String) -> Value? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries.values[key] else { return nil }
            guard entry.expires > now else {
                entries.values[key] = nil
                return nil
            }
            return entry.value
        }
    }

    /// Keeps `value` for `key`; not if something was removed since `version` (when given).
    func insert(_ value: Value, for key: String, ifUnchangedSince version: Int? = nil) {
        guard timeToLive > .zero else { return }
        let expires = ContinuousClock.now + timeToLive
        entries.withLock { entries in
            if let version, entries.version != version { return }
            entries.insertions &+= 1
            if entries.insertions % 1024 == 0 || entries.values.count >= capacity {
                entries.values = entries.values.filter { $0.value.expires > expires - timeToLive }
            }
            if entries.values.count >= capacity { entries.values.removeAll(keepingCapacity: true) }
            entries.values[key] = (value, expires)
        }
    }

    /// Drops every value whose key's value `matches`, and bumps `version`.
    func removeAll(where matches: (Value) -> Bool) {
        entries.withLock { entries in
            entries.values = entries.values.filter { !matches($0.value.value) }
            entries.version += 1
        }
    }

    /// Drops the value for `key` and bumps `version`.
    func removeValue(for key: String) {
        entries.withLock { entries in
            entries.values[key] = nil
            entries.version += 1
        }
    }
}
