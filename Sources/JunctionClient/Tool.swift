import JunctionCore

/// A connector resource offered to a model as a tool, as Junction describes it
/// (`GET /api/v1/tools?format=junction`).
public struct Tool: Sendable, Hashable, Decodable {
    /// The tool name, valid for MCP and every supported provider, e.g. `crm__get-customer`.
    public var name: String
    /// The connector the tool calls.
    public var connector: String
    /// The resource it runs.
    public var resource: String
    /// A human title: the resource's name.
    public var title: String
    /// What the tool does, for the model.
    public var description: String
    /// Whether it only reads or also writes.
    public var kind: ResourceKind
    /// The JSON Schema of its arguments (always an object schema).
    public var inputSchema: JSONValue
    /// The JSON Schema of its result, when declared.
    public var outputSchema: JSONValue?

    enum CodingKeys: String, CodingKey {
        case name, connector, resource, title, description, kind
        case inputSchema = "input_schema"
        case outputSchema = "output_schema"
    }
}

/// `{"format", "count", "tools": […]}`, the answer of `GET /api/v1/tools`.
struct ToolList: Decodable {
    var tools: [Tool]
}
