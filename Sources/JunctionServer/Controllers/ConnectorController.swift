import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// `/api/v1/connectors`: a tenant's configured connectors.
struct ConnectorController: Sendable {
    let store: any Store
    let connectors: ConnectorService
    let scope: TenantScope
    let body: JSONBodyReader

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("connectors", use: list)
        group.post("connectors", use: create)
        group.get("connectors/{name}", use: get)
        group.put("connectors/{name}", use: update)
        group.delete("connectors/{name}", use: delete)
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
        return JSONResponse.make(JSONValue.object(["connectors": .array(all.map(\.representation))]))
    }

    @Sendable func create(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        let connector = try await connectors.create(
            tenantID: tenantID, body: try await body.read(request), by: try context.actor())
        return JSONResponse.make(connector.representation, status: .created)
    }

    @Sendable func get(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "connector")
        guard let connector = try await store.connector(tenantID: tenantID, name: name) else {
            throw JunctionError.notFound("No connector named '\(name)'.")
        }
        return JSONResponse.make(connector.representation)
    }

    @Sendable func update(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (tenantID, name) = try await scope.target(request, context, noun: "connector")
        let connector = try await connectors.update(
            tenantID: tenantID, name: name, body: try await body.read(request), by: try context.actor())
        return JSONResponse.make(connector.representation)
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
