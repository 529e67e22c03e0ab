import Crypto
import Foundation
import JunctionCore
import JunctionStorage
import Synchronization

/// Issues and checks API keys.
///
/// A key reads `jk_<id>_<secret>`: the id finds the stored record, and the SHA-256 digest of
/// the whole key is compared in constant time. Only the digest is stored.
///
/// Records found are remembered for `cacheTime`, so a busy key is read from the store once per
/// period rather than on every request. A key deleted through this instance stops working at
/// once; one deleted by another server sharing the store works until its entry expires.
public struct APIKeys: Sendable {
    private let store: any Store
    private let cache: RecordCache

    /// - Parameter cacheTime: how long a key's record is used without reading it again;
    ///   `.zero` reads it on every request.
    public init(store: any Store, cacheTime: Duration = .seconds(5)) {
        self.store = store
        self.cache = RecordCache(timeToLive: cacheTime)
    }

    /// A freshly generated key: the text to hand out once, and the record to store.
    public struct Issued: Sendable {
        /// The full key, shown once.
        public var text: String
        /// What is stored.
        public var record: APIKey
    }

    /// Generates a key for `scope`. Nothing is stored.
    public static func generate(scope: APIKey.Scope, name: String) -> Issued {
        let id = Identifier.make("key")
        var generator = SystemRandomNumberGenerator()
        let secretBytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let secret = Data(secretBytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let text = "jk_\(id.dropFirst(4))_\(secret)"
        return Issued(text: text, record: APIKey(id: id, scope: scope, name: name, digest: digest(of: text)))
    }

    /// Stores a new key for `scope`, recording who made it.
    public func create(scope: APIKey.Scope, name: String, by actor: AuditActor) async throws -> Issued {
        let issued = Self.generate(scope: scope, name: name)
        let audit = actor.event("key.create", tenantID: scope.tenantID, targetType: "api_key", target: issued.record.id)
        try await store.insertKey(issued.record, audit: audit)
        return issued
    }

    /// The principal for the key `text`, or `nil` when it is malformed, unknown or wrong.
    public func authenticate(_ text: Substring) async throws -> Principal? {
        let parts = text.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "jk", parts[1].count == 32, !parts[2].isEmpty, text.utf8.count < 200 else {
            return nil
        }
        let id = "key_\(parts[1])"
        let record: APIKey
        if let cached = cache.record(id: id) {
            record = cached
        } else {
            let deletions = cache.deletions
            guard let stored = try await store.key(id: id) else { return nil }
            record = stored
            // Not if a key was deleted meanwhile: the record read may be that key's.
            cache.remember(stored, ifNoDeletionsSince: deletions)
        }
        guard Self.constantTimeEquals(Self.digest(of: text), record.digest) else { return nil }
        return Principal(keyID: record.id, scope: record.scope)
    }

    /// Deletes a key (see `APIKeyStore.deleteKey`); it stops authenticating at once.
    public func delete(id: String, scope: APIKey.Scope?, audit: AuditEvent) async throws {
        try await store.deleteKey(id: id, scope: scope, audit: audit)
        cache.forget(id: id)
    }

    static func digest(of text: some StringProtocol) -> [UInt8] {
        Array(SHA256.hash(data: Array(text.utf8)))
    }

    /// Compares two byte strings in time that depends only on their lengths.
    public static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}

extension APIKeys {
    /// Key records by id, each kept for a time-to-live; at most `capacity` of them.
    final class RecordCache: Sendable {
        private struct Entries {
            var records: [String: (record: APIKey, expires: ContinuousClock.Instant)] = [:]
            /// Bumped by every `forget`.
            var deletions = 0
        }

        private let entries = Mutex(Entries())
        private let timeToLive: Duration
        private let capacity = 10_000

        init(timeToLive: Duration) {
            self.timeToLive = timeToLive
        }

        /// How many keys were forgotten so far: pass it to `remember` for a record read after.
        var deletions: Int { entries.withLock { $0.deletions } }

        func record(id: String) -> APIKey? {
            let now = ContinuousClock.now
            return entries.withLock { entries in
                guard let entry = entries.records[id] else { return nil }
                guard entry.expires > now else {
                    entries.records[id] = nil
                    return nil
                }
                return entry.record
            }
        }

        /// Keeps `record`, read after `deletions` keys were forgotten, unless one was since.
        func remember(_ record: APIKey, ifNoDeletionsSince deletions: Int) {
            guard timeToLive > .zero else { return }
            let expires = ContinuousClock.now + timeToLive
            entries.withLock { entries in
                guard entries.deletions == deletions else { return }
                if entries.records.count >= capacity { entries.records.removeAll(keepingCapacity: true) }
                entries.records[record.id] = (record, expires)
            }
        }

        func forget(id: String) {
            entries.withLock { entries in
                entries.records[id] = nil
                entries.deletions += 1
            }
        }
    }
}
