import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// `/api/v1/credentials`: secrets go in, and only masked hints come out.
struct CredentialController: Sendable {
    let store: any Store
    let credentials: CredentialService
    /// The connection state of `oauth2` credentials.
    let connect: OAuthConnectFlow
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
        var shown: [JSONValue] = []
        for credential in try await store.credentials(tenantID: tenantID) { shown.append(try await representation(credential)) }
        return JSONResponse.make(JSONValue.object(["credentials": .array(shown)]))
    }

    @Sendable func create(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        let credential = try await credentials.create(
            tenantID: tenantID, body: try await body.read(request), by: try context.actor(), templates: templates)
        return JSONResponse.make(try await representation(credential), status: .created)
    }

    @Sendable func get(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "credential")
        guard let credential = try await store.credential(tenantID: tenantID, name: name) else {
            throw JunctionError.notFound("No credential named '\(name)'.")
        }
        return JSONResponse.make(try await representation(credential))
    }

    /// New values for a credential's fields (its name, kind and binding stay).
    @Sendable func rotate(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "credential")
        let credential = try await credentials.rotate(tenantID: tenantID, name: name, body: try await body.read(request), by: try context.actor())
        return JSONResponse.make(try await representation(credential))
    }

    /// The credential as shown, with the connection state of an `oauth2` one.
    private func representation(_ credential: Credential) async throws -> JSONValue {
        guard credential.kind == .oauth2 else { return credential.representation }
        return credential.representation(connection: try await connect.status(of: credential))
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
