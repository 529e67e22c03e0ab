import Hummingbird
import JunctionCore
import JunctionRuntime

/// `GET /api/v1/tools[?format=openai|anthropic|gemini][&connector=NAME]`: the tenant's tools,
/// as Junction describes them or as the `tools` value of a provider's request.
struct ToolController: Sendable {
    let catalog: ToolCatalog
    let scope: TenantScope

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("tools", use: list)
    }

    @Sendable func list(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        let query = request.uri.queryParameters
        var format: ToolFormat?
        if let text = query["format"].map(String.init), text != "junction" {
            guard let known = ToolFormat(rawValue: text) else {
                throw JunctionError.invalidInput("Must be junction, openai, anthropic or gemini.", field: "format")
            }
            format = known
        }
        var connector: Slug?
        if let name = query["connector"].map(String.init) {
            connector = try Slug(validating: name, field: "connector")
        }
        let tools = try await catalog.tools(tenantID: tenantID, connector: connector)
        return JSONResponse.make(JSONValue.object([
            "format": .string(format?.rawValue ?? "junction"),
            "count": .integer(tools.count),
            "tools": format?.render(tools) ?? .array(tools.map(\.representation)),
        ]))
    }
}

extension ToolDefinition {
    /// The tool as Junction's API shows it.
    var representation: JSONValue {
        [
            "name": .string(name), "connector": .string(connector.rawValue), "resource": .string(resource.rawValue),
            "title": .string(title), "description": .string(description), "kind": .string(kind.rawValue),
            "input_schema": inputSchema, "output_schema": outputSchema ?? .null,
        ]
    }
}
