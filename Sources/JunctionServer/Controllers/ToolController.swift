import Foundation
import Hummingbird
import JunctionCore
import JunctionRuntime

/// `GET /api/v1/tools[?format=openai|anthropic|gemini][&connector=NAME][&kind=read|write][&q=TEXT][&limit=N]`:
/// the tenant's tools, as Junction describes them or as the `tools` value of a provider's
/// request. `q` ranks the tools for a task described in words (best first, as the meta tool
/// `search_tools` does); `limit` keeps the first N. A selection larger than the provider
/// accepts in one request is answered with a `warnings` entry saying so.
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
        var kind: ResourceKind?
        if let text = query["kind"].map(String.init) {
            guard let known = ResourceKind(rawValue: text) else { throw JunctionError.invalidInput("Must be read or write.", field: "kind") }
            kind = known
        }
        let limit = try query["limit"].map { try ListParameters.limit($0, default: 500) }
        var tools = try await catalog.tools(tenantID: tenantID, connector: connector, access: try context.requirePrincipal().access)
        if let kind { tools = tools.filter { $0.kind == kind } }
        if let text = query["q"].map(String.init) {
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty, text.count <= 500 else {
                throw JunctionError.invalidInput("Describe the task in 1 to 500 characters.", field: "q")
            }
            tools = ToolSearch.rank(tools, query: text, limit: limit ?? tools.count).map(\.tool)
        }
        if let limit { tools = Array(tools.prefix(limit)) }
        var answer: [String: JSONValue] = [
            "format": .string(format?.rawValue ?? "junction"),
            "count": .integer(tools.count),
            "tools": format?.render(tools) ?? .array(tools.map(\.representation)),
        ]
        if let format, let maximum = format.maximumTools, tools.count > maximum {
            answer["warnings"] = [.string(
                "\(tools.count) tools are more than the \(maximum) \(format.rawValue) accepts in one request: narrow them with connector, kind, q or limit.")]
        }
        return JSONResponse.make(JSONValue.object(answer))
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
