import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// `/api/v1/connectors`: a tenant's configured connectors.
struct ConnectorController: Sendable {
    let store: any Store
    let connectors: ConnectorService
    /// Which connector types receive requests (their representations have a `webhook_url`).
    let registry: ConnectorRegistry
    let scope: TenantScope
    let body: JSONBodyReader
    /// The server's public URL, when configured (else taken from each request's Host).
    let publicURL: String?

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("connectors", use: list)
        group.post("connectors", use: create)
        group.get("connectors/{name}", use: get)
        group.put("connectors/{name}", use: update)
        group.delete("connectors/{name}", use: delete)
        group.post("connectors/{name}/rotate-secret", use: rotateSecret)
    }

    @Sendable func list(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forReading(try context.requirePrincipal(), requested: request.tenantParameter)
        let parameters = request.uri.queryParameters
        var query = ConnectorQuery(tenantID: tenantID, type: parameters["type"].map(String.init))
        if let enabled = parameters["enabled"] {
            switch enabled {
            case "true": query.enabled = true
            case "false": query.enabled = false
            default: throw JunctionError.invalidInput("Must be true or false.", field: "enabled")
            }
        }
        let all = try await store.connectors(query)
        let base = PublicURL.base(of: request, configured: publicURL)
        return JSONResponse.make(JSONValue.object(["connectors": .array(all.map { $0.representation(publicURL: base, registry: registry) })]))
    }

    @Sendable func create(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        let created = try await connectors.create(
            tenantID: tenantID, body: try await body.read(request), by: try context.actor())
        return JSONResponse.make(revealing(created, request), status: .created)
    }

    @Sendable func get(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "connector")
        guard let connector = try await store.connector(tenantID: tenantID, name: name) else {
            throw JunctionError.notFound("No connector named '\(name)'.")
        }
        return JSONResponse.make(shown(connector, request))
    }

    @Sendable func update(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "connector")
        let connector = try await connectors.update(
            tenantID: tenantID, name: name, body: try await body.read(request), by: try context.actor())
        return JSONResponse.make(shown(connector, request))
    }

    /// New generated secrets for a connector (a webhook's), shown this once.
    @Sendable func rotateSecret(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "connector")
        let rotated = try await connectors.rotateSecrets(tenantID: tenantID, name: name, by: try context.actor())
        return JSONResponse.make(revealing(rotated, request))
    }

    /// The connector's representation, with its `webhook_url` under the public URL.
    private func shown(_ connector: ConnectorRecord, _ request: Request) -> JSONValue {
        connector.representation(publicURL: PublicURL.base(of: request, configured: publicURL), registry: registry)
    }

    /// The connector's representation with the secrets just generated for it.
    private func revealing(_ created: ConnectorService.Created, _ request: Request) -> JSONValue {
        guard case .object(var members) = shown(created.connector, request) else { return created.connector.representation }
        for (name, value) in created.generatedSecrets { members[name] = .string(value) }
        return .object(members)
    }

    @Sendable func delete(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "connector")
        let force: Bool
        switch request.uri.queryParameters["force"] {
        case nil, "false": force = false
        case "true": force = true
        default: throw JunctionError.invalidInput("Must be true or false.", field: "force")
        }
        try await connectors.delete(tenantID: tenantID, name: name, force: force, by: try context.actor())
        return Response(status: .noContent)
    }
}
