import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// `/api/v1/credentials`: secrets go in, and only masked hints come out.
struct CredentialController: Sendable {
    let store: any Store
    let credentials: CredentialService
    /// For credentials bound to a template's host.
    let templates: TemplateService
    let scope: TenantScope
    let body: JSONBodyReader

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("credentials", use: list)
        group.post("credentials", use: create)
        group.get("credentials/{name}", use: get)
        group.delete("credentials/{name}", use: delete)
        group.post("credentials/{name}/rotate", use: rotate)
    }

    @Sendable func list(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forReading(try context.requirePrincipal(), requested: request.tenantParameter)
        let all = try await store.credentials(tenantID: tenantID)
        return JSONResponse.make(JSONValue.object(["credentials": .array(all.map(\.representation))]))
    }

    @Sendable func create(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        let credential = try await credentials.create(
            tenantID: tenantID, body: try await body.read(request), by: try context.actor(), templates: templates)
        return JSONResponse.make(credential.representation, status: .created)
    }

    @Sendable func get(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "credential")
        guard let credential = try await store.credential(tenantID: tenantID, name: name) else {
            throw JunctionError.notFound("No credential named '\(name)'.")
        }
        return JSONResponse.make(credential.representation)
    }

    /// New values for a credential's fields (its name, kind and binding stay).
    @Sendable func rotate(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "credential")
        let credential = try await credentials.rotate(tenantID: tenantID, name: name, body: try await body.read(request), by: try context.actor())
        return JSONResponse.make(credential.representation)
    }

    @Sendable func delete(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "credential")
        try await credentials.delete(tenantID: tenantID, name: name, by: try context.actor())
        return Response(status: .noContent)
    }
}

extension Request {
    /// The `?tenant=` query parameter, if given.
    var tenantParameter: String? {
        uri.queryParameters["tenant"].map(String.init)
    }
}
