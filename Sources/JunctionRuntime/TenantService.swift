import JunctionCore
import JunctionStorage

/// Creates tenants, each with its first API key.
public struct TenantService: Sendable {
    private let store: any Store

    public init(store: any Store) {
        self.store = store
    }

    /// A new tenant and the text of its first key (shown once).
    public struct Created: Sendable {
        public var tenant: Tenant
        public var key: APIKeys.Issued
    }

    /// Stores tenant `name` with a first key named `default`, in one transaction; `conflict`
    /// when the name is taken.
    public func create(name: Slug, by actor: AuditActor) async throws -> Created {
        let tenant = Tenant(name: name)
        let issued = APIKeys.generate(scope: .tenant(tenant.id), name: "default")
        let audit = actor.event("tenant.create", tenantID: tenant.id, targetType: "tenant", target: name.rawValue)
        try await store.insertTenant(tenant, firstKey: issued.record, audit: audit)
        return Created(tenant: tenant, key: issued)
    }

    /// The tenant a CLI or stdio process acts in: the one named (by id or name), or else the
    /// only one there is; `invalid_input` naming what to pass otherwise.
    public func resolve(_ requested: String?) async throws -> Tenant {
        if let requested {
            guard let tenant = try await store.tenant(idOrName: requested) else {
                throw JunctionError.invalidInput("No tenant '\(requested.prefix(80))'.", field: "tenant")
            }
            return tenant
        }
        let all = try await store.tenants()
        guard all.count == 1 else {
            throw JunctionError.invalidInput(
                all.isEmpty ? "There is no tenant yet: create one with `junction tenants create NAME`."
                    : "There are \(all.count) tenants: pass --tenant NAME.", field: "tenant")
        }
        return all[0]
    }
}
