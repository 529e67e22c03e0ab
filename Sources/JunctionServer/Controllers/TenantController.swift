import Foundation
import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// `/api/v1/tenants` and `/api/v1/keys`: tenants and their API keys.
struct TenantController: Sendable {
    let store: any Store
    let tenants: TenantService
    let keys: APIKeys
    let body: JSONBodyReader
    let mode: ServerMode

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.post("tenants", use: createTenant)
        group.get("tenants", use: listTenants)
        group.get("tenants/{tenant}", use: getTenant)
        group.post("keys", use: createKey)
        group.get("keys", use: listKeys)
        group.delete("keys/{id}", use: deleteKey)
    }

    @Sendable func createTenant(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        try requirePlatform(context)
        var reader = try FieldReader(try await body.read(request))
        let name = try reader.requiredSlug("name")
        try reader.finish()
        let created = try await tenants.create(name: name, by: try context.actor())
        let (tenant, issued) = (created.tenant, created.key)
        var representation = tenant.representation.objectValue ?? [:]
        representation["api_key"] = .string(issued.text)
        representation["api_key_id"] = .string(issued.record.id)
        return JSONResponse.make(JSONValue.object(representation), status: .created)
    }

    @Sendable func listTenants(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let tenants: [Tenant]
        switch principal.scope {
        case .platform: tenants = try await store.tenants()
        case .tenant(let id): tenants = try await store.tenant(idOrName: id).map { [$0] } ?? []
        }
        return JSONResponse.make(JSONValue.object(["tenants": .array(tenants.map(\.representation))]))
    }

    @Sendable func getTenant(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let requested = try context.parameters.require("tenant")
        guard let tenant = try await store.tenant(idOrName: requested),
              principal.isPlatform || principal.scope == .tenant(tenant.id)
        else {
            throw JunctionError.notFound("No tenant '\(requested.prefix(80))'.")
        }
        return JSONResponse.make(tenant.representation)
    }

    /// A tenant key makes keys for its own tenant; the platform key names the tenant (`tenant`
    /// in the body or `?tenant=`, which must agree) or asks for another platform key with
    /// `platform: true`. Neither is `invalid_input`: a platform key is never made by omission.
    @Sendable func createKey(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        var reader = try FieldReader(try await body.read(request, allowEmpty: true))
        let name = try reader.string("name", maxLength: 100) ?? "default"
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) }) else {
            throw JunctionError.invalidInput("A key name must be 1–100 printable characters.", field: "name")
        }
        let named = try reader.string("tenant", maxLength: 200)
        let platform = try reader.bool("platform") ?? false
        var role = KeyRole.admin
        if let text = try reader.string("role", maxLength: 20) {
            guard let named = KeyRole(rawValue: text) else { throw JunctionError.invalidInput("Must be admin, operator or invoke.", field: "role") }
            role = named
        }
        var lists: [String: JSONValue] = [:]
        for name in ["connectors", "resources"] { lists[name] = reader.value(name) }
        let access = try KeyAccess(json: .object(lists))
        try reader.finish()
        if access.isRestricted, role != .invoke {
            // An operator or admin could get around the lists (through agents, or by editing connectors).
            throw JunctionError.invalidInput("Allow-lists limit invoke keys only: add \"role\": \"invoke\".", field: "role")
        }
        if platform, role != .admin || access.isRestricted {
            throw JunctionError.invalidInput("A platform key is an admin of everything: drop `role`, `connectors` and `resources`.", field: "role")
        }
        let query = request.tenantParameter
        if let named, let query, named != query {
            throw JunctionError.invalidInput("The body names tenant '\(named.prefix(80))' and ?tenant= another.", field: "tenant")
        }
        let requestedTenant = named ?? query
        if platform {
            guard principal.isPlatform else {
                throw JunctionError(.forbidden, "Only the platform key can make platform keys.", field: "platform")
            }
            guard requestedTenant == nil else {
                throw JunctionError.invalidInput("A platform key belongs to no tenant: drop `tenant` or `platform`.", field: "platform")
            }
        }
        let scope: APIKey.Scope
        switch (principal.scope, requestedTenant) {
        case (.tenant(let own), nil):
            scope = .tenant(own)
        case (.tenant(let own), let requested?):
            guard let tenant = try await store.tenant(idOrName: requested), tenant.id == own else {
                throw JunctionError(.notFound, "No tenant '\(requested.prefix(80))'.", field: "tenant")
            }
            scope = .tenant(own)
        case (.platform, nil):
            guard platform else {
                throw JunctionError.invalidInput(
                    "Name the tenant to make a key for (`tenant`, or ?tenant=), or ask for another platform key with `platform: true`.",
                    field: "tenant")
            }
            scope = .platform
        case (.platform, _?) where mode == .saas:
            throw JunctionError(
                .forbidden, "In saas mode the platform key cannot make keys for a tenant: a tenant key makes them.",
                field: "tenant")
        case (.platform, let requested?):
            guard let tenant = try await store.tenant(idOrName: requested) else {
                throw JunctionError(.notFound, "No tenant '\(requested.prefix(80))'.", field: "tenant")
            }
            scope = .tenant(tenant.id)
        }
        let issued = try await keys.create(scope: scope, name: name, role: role, access: access, by: try context.actor())
        var representation = issued.record.representation.objectValue ?? [:]
        representation["api_key"] = .string(issued.text)
        return JSONResponse.make(JSONValue.object(representation), status: .created)
    }

    @Sendable func listKeys(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let keys: [APIKey]
        switch principal.scope {
        case .tenant(let own):
            if let requested = request.tenantParameter {
                guard let tenant = try await store.tenant(idOrName: requested), tenant.id == own else {
                    throw JunctionError(.notFound, "No tenant '\(requested.prefix(80))'.", field: "tenant")
                }
            }
            keys = try await store.keys(tenantID: own)
        case .platform:
            if let requested = request.uri.queryParameters["tenant"].map(String.init) {
                guard let tenant = try await store.tenant(idOrName: requested) else {
                    throw JunctionError(.notFound, "No tenant '\(requested.prefix(80))'.", field: "tenant")
                }
                keys = try await store.keys(tenantID: tenant.id)
            } else {
                keys = try await store.keys(tenantID: nil)
            }
        }
        return JSONResponse.make(JSONValue.object(["keys": .array(keys.map(\.representation))]))
    }

    @Sendable func deleteKey(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try context.parameters.require("id")
        let target = try await store.key(id: id)
        let scope: APIKey.Scope? = principal.isPlatform ? nil : principal.scope
        let audit = try context.actor().event("key.delete", tenantID: target?.tenantID, targetType: "api_key", target: id)
        try await keys.delete(id: id, scope: scope, audit: audit)
        return Response(status: .noContent)
    }

    private func requirePlatform(_ context: JunctionRequestContext) throws {
        guard try context.requirePrincipal().isPlatform else {
            throw JunctionError(.forbidden, "Only the platform key can create tenants.")
        }
    }
}
