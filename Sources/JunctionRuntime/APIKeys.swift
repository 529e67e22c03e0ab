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
    /// Key records by id.
    private let cache: ExpiringCache<APIKey>

    /// - Parameter cacheTime: how long a key's record is used without reading it again;
    ///   `.zero` reads it on every request.
    public init(store: any Store, cacheTime: Duration = .seconds(5)) {
        self.store = store
        self.cache = ExpiringCache(timeToLive: cacheTime)
    }

    /// A freshly generated key: the text to hand out once, and the record to store.
    public struct Issued: Sendable {
        /// The full key, shown once.
        public var text: String
        /// What is stored.
        public var record: APIKey
    }

    /// Generates a key for `scope`. Nothing is stored.
    public static func generate(scope: APIKey.Scope, name: String, role: KeyRole = .admin, access: KeyAccess = .unrestricted) -> Issued {
        let id = Identifier.make("key")
        let text = "jk_\(id.dropFirst(4))_\(RandomToken.make())"
        return Issued(text: text, record: APIKey(id: id, scope: scope, name: name, digest: digest(of: text), role: role, access: access))
    }

    /// Stores a new key for `scope` with `role` and `access`, recording who made it.
    public func create(
        scope: APIKey.Scope, name: String, role: KeyRole = .admin, access: KeyAccess = .unrestricted, by actor: AuditActor
    ) async throws -> Issued {
        let issued = Self.generate(scope: scope, name: name, role: role, access: access)
        var details: [String: JSONValue] = ["role": .string(role.rawValue)]
        if access.isRestricted { details["access"] = access.json }
        let audit = actor.event(
            "key.create", tenantID: scope.tenantID, targetType: "api_key", target: issued.record.id, details: .object(details))
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
        if let cached = cache.value(for: id) {
            record = cached
        } else {
            let deletions = cache.version
            guard let stored = try await store.key(id: id) else { return nil }
            record = stored
            // Not if a key was deleted meanwhile: the record read may be that key's.
            cache.insert(stored, for: id, ifUnchangedSince: deletions)
        }
        guard Self.constantTimeEquals(Self.digest(of: text), record.digest) else { return nil }
        return Principal(keyID: record.id, scope: record.scope, role: record.role, access: record.access)
    }

    /// The key `id` if it still exists (read as `authenticate` reads it).
    public func record(id: String) async throws -> APIKey? {
        if let cached = cache.value(for: id) { return cached }
        let deletions = cache.version
        guard let stored = try await store.key(id: id) else { return nil }
        cache.insert(stored, for: id, ifUnchangedSince: deletions)
        return stored
    }

    /// Deletes a key (see `APIKeyStore.deleteKey`); it stops authenticating at once.
    public func delete(id: String, scope: APIKey.Scope?, audit: AuditEvent) async throws {
        try await store.deleteKey(id: id, scope: scope, audit: audit)
        cache.removeValue(for: id)
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
