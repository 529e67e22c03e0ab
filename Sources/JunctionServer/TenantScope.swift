import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// Which tenant a request acts on, from the caller's key, the server mode and `?tenant=`.
///
/// A tenant key acts only on its own tenant. In `invpc` mode the platform key may read every
/// tenant and act on one named by `?tenant=` (id or name); in `saas` mode it manages tenants
/// and keys but reads no tenant's data.
struct TenantScope: Sendable {
    let store: any Store
    let mode: ServerMode

    /// The tenant to read from, or `nil` for every tenant (platform key, no `?tenant=`).
    func forReading(_ principal: Principal, requested: String?) async throws -> String? {
        switch principal.scope {
        case .tenant(let tenantID):
            return try await own(tenantID, requested: requested)
        case .platform:
            try requireDataAccess()
            guard let requested else { return nil }
            return try await resolve(requested)
        }
    }

    /// The one tenant to act on: `invalid_input` on `tenant` when a platform key names none.
    func forWriting(_ principal: Principal, requested: String?) async throws -> String {
        switch principal.scope {
        case .tenant(let tenantID):
            return try await own(tenantID, requested: requested)
        case .platform:
            try requireDataAccess()
            guard let requested else {
                throw JunctionError.invalidInput("The platform key must name a tenant with ?tenant=ID_OR_NAME.", field: "tenant")
            }
            return try await resolve(requested)
        }
    }

    /// The tenant and the `{name}` path parameter a single-record route acts on. A name that
    /// is not a slug cannot exist, so it is `not_found` naming `noun` (e.g. "connector").
    func target(_ request: Request, _ context: JunctionRequestContext, noun: String) async throws -> (tenantID: String, name: Slug) {
        let tenantID = try await forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        let text = try context.parameters.require("name")
        guard let name = Slug(text) else { throw JunctionError.notFound("No \(noun) named '\(text.prefix(80))'.") }
        return (tenantID, name)
    }

    /// A tenant key's own tenant; naming any other tenant is `not_found`, so names don't leak.
    private func own(_ tenantID: String, requested: String?) async throws -> String {
        guard let requested, requested != tenantID else { return tenantID }
        guard let tenant = try await store.tenant(idOrName: requested), tenant.id == tenantID else {
            throw JunctionError(.notFound, "No tenant '\(requested.prefix(80))'.", field: "tenant")
        }
        return tenantID
    }

    private func resolve(_ requested: String) async throws -> String {
        guard let tenant = try await store.tenant(idOrName: requested) else {
            throw JunctionError(.notFound, "No tenant '\(requested.prefix(80))'.", field: "tenant")
        }
        return tenant.id
    }

    private func requireDataAccess() throws {
        if mode == .saas {
            throw JunctionError(.forbidden, "In saas mode the platform key manages tenants and keys but reads no tenant's data.")
        }
    }
}
