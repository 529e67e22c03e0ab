import Foundation

/// A stored API key: its id, scope and the SHA-256 digest of its secret. The key itself is
/// shown once, when created, and never stored.
public struct APIKey: Sendable, Hashable {
    /// Who a key acts for.
    public enum Scope: Sendable, Hashable {
        /// The platform operator: manages tenants and keys.
        case platform
        /// One tenant's data.
        case tenant(String)

        /// The tenant id of a tenant scope, `nil` for the platform.
        public var tenantID: String? {
            if case .tenant(let id) = self { return id }
            return nil
        }
    }

    /// The key's public id (`key_…`), also embedded in the key text.
    public var id: String
    /// Whom it acts for.
    public var scope: Scope
    /// A label, e.g. `ci` or `default`.
    public var name: String
    /// SHA-256 of the full key text.
    public var digest: [UInt8]
    /// When it was created.
    public var createdAt: Date
    /// What it may do in its tenant (platform keys are always `admin`).
    public var role: KeyRole
    /// Which connectors and resources its calls may reach.
    public var access: KeyAccess

    public init(
        id: String, scope: Scope, name: String, digest: [UInt8], createdAt: Date = Timestamp.now(), role: KeyRole = .admin,
        access: KeyAccess = .unrestricted
    ) {
        self.id = id
        self.scope = scope
        self.name = name
        self.digest = digest
        self.createdAt = createdAt
        self.role = role
        self.access = access
    }

    /// The tenant id for tenant keys, `nil` for platform keys.
    public var tenantID: String? { scope.tenantID }
}
