import Foundation
import JunctionCore
import JunctionStorage

/// Tenants' policies: saving (validated, versioned, audited) and the current policy of a
/// tenant for the invoke path, remembered for `cacheTime` so a call reads no store.
///
/// A save through this instance applies at once; one by another server sharing the store
/// applies when the entry expires.
public struct PolicyService: Sendable {
    /// A tenant's current policy, parsed.
    public struct Current: Sendable {
        /// 0 while the tenant has saved none.
        public var version: Int
        public var policy: Policy
    }

    private let store: any Store
    private let cache: ExpiringCache<Current>

    /// - Parameter cacheTime: how long a tenant's policy is used without reading it again.
    public init(store: any Store, cacheTime: Duration = .seconds(5)) {
        self.store = store
        cache = ExpiringCache(timeToLive: cacheTime)
    }

    /// The tenant's current policy (everything allowed while it has saved none).
    public func current(tenantID: String) async throws -> Current {
        if let cached = cache.value(for: tenantID) { return cached }
        let version = cache.version
        let current: Current
        if let stored = try await store.policy(tenantID: tenantID, version: nil) {
            current = Current(version: stored.version, policy: try Policy(json: stored.document))
        } else {
            current = Current(version: 0, policy: Policy())
        }
        cache.insert(current, for: tenantID, ifUnchangedSince: version)
        return current
    }

    /// Validates `document` (naming the member at fault) and the connectors it names, and saves
    /// it as the tenant's next version. With `expectedVersion`, `conflict` unless it is current.
    public func save(
        tenantID: String, document: JSONValue, expectedVersion: Int?, by actor: AuditActor
    ) async throws -> (stored: StoredPolicy, policy: Policy) {
        let policy = try Policy(json: document)
        for (index, name) in policy.approvals.notify.enumerated() {
            guard let connector = try await store.connector(tenantID: tenantID, name: name), connector.mode == "outbound" else {
                throw JunctionError.invalidInput(
                    "No outbound connector named '\(name)' to notify.", field: "approvals.notify[\(index)]")
            }
        }
        for (index, limit) in policy.limits.enumerated() {
            guard let name = limit.connector else { continue }
            guard try await store.connector(tenantID: tenantID, name: name) != nil else {
                throw JunctionError.invalidInput("No connector named '\(name)'.", field: "limits[\(index)].connector")
            }
        }
        let audit = actor.event(
            "policy.update", tenantID: tenantID, targetType: "policy", target: tenantID,
            details: ["rules": .integer(policy.rules.count), "limits": .integer(policy.limits.count)])
        let stored = try await store.savePolicy(
            tenantID: tenantID, document: policy.json, expectedVersion: expectedVersion, by: actor.keyID, audit: audit)
        cache.removeValue(for: tenantID)
        return (stored, policy)
    }
}
