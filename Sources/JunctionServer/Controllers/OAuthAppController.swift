import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// `/api/v1/oauth/apps`: a tenant's registrations at OAuth providers (client id, sealed
/// secret, endpoints), which `oauth2` credentials name.
struct OAuthAppController: Sendable {
    let store: any Store
    let apps: OAuthAppService
    let scope: TenantScope
    let body: JSONBodyReader

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("oauth/apps", use: list)
        group.post("oauth/apps", use: create)
        group.get("oauth/apps/{name}", use: get)
        group.put("oauth/apps/{name}", use: update)
        group.delete("oauth/apps/{name}", use: delete)
    }

    @Sendable func list(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        let all = try await store.oauthApps(tenantID: tenantID)
        return JSONResponse.make(JSONValue.object(["apps": .array(all.map(\.representation))]))
    }

    @Sendable func create(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        let app = try await apps.create(tenantID: tenantID, body: try await body.read(request), by: try context.actor())
        return JSONResponse.make(app.representation, status: .created)
    }

    @Sendable func get(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "OAuth app")
        guard let app = try await store.oauthApp(tenantID: tenantID, name: name) else {
            throw JunctionError.notFound("No OAuth app named '\(name)'.")
        }
        return JSONResponse.make(app.representation)
    }

    @Sendable func update(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "OAuth app")
        let app = try await apps.update(tenantID: tenantID, name: name, body: try await body.read(request), by: try context.actor())
        return JSONResponse.make(app.representation)
    }

    @Sendable func delete(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "OAuth app")
        try await apps.delete(tenantID: tenantID, name: name, by: try context.actor())
        return Response(status: .noContent)
    }
}
