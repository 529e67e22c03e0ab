import JunctionConnectors
import JunctionCore
import JunctionRuntime
import MCP

/// The three tools that stand for a large catalog (`?tools=meta`, `--tools meta`): find tools
/// by words, read one's full schema, call one. Only names and one-line descriptions enter the
/// model's context until it asks for more.
struct MetaTools {
    enum Name: String, CaseIterable {
        case searchTools = "search_tools"
        case describeTool = "describe_tool"
        case callTool = "call_tool"
    }

    static let instructions = """
        This server fronts many tools. Use search_tools to find tools by what they do, \
        describe_tool to read one tool's input schema, then call_tool with its name and arguments.
        """

    static let tools: [MCP.Tool] = [
        MCP.Tool(
            name: Name.searchTools.rawValue, title: "Search tools",
            description: "Find tools by keywords. Returns the best matching tool names with one-line descriptions.",
            inputSchema: [
                "type": "object",
                "properties": [
                    "query": ["type": "string", "description": "Words describing the action, e.g. 'create contact'."],
                    "limit": ["type": "integer", "minimum": 1, "maximum": 50, "default": 10],
                ],
                "required": ["query"],
            ],
            annotations: .init(readOnlyHint: true, openWorldHint: false)),
        MCP.Tool(
            name: Name.describeTool.rawValue, title: "Describe a tool",
            description: "The full definition of one tool: its description, input schema and output schema.",
            inputSchema: [
                "type": "object",
                "properties": ["name": ["type": "string", "description": "A name from search_tools."]],
                "required": ["name"],
            ],
            annotations: .init(readOnlyHint: true, openWorldHint: false)),
        MCP.Tool(
            name: Name.callTool.rawValue, title: "Call a tool",
            description: "Call one tool by name with arguments matching its input schema.",
            inputSchema: [
                "type": "object",
                "properties": [
                    "name": ["type": "string", "description": "A name from search_tools."],
                    "arguments": ["type": "object", "description": "The tool's arguments."],
                ],
                "required": ["name"],
            ],
            annotations: .init(destructiveHint: true, openWorldHint: true)),
    ]

    let server: MCPToolServer
    let session: ToolSession

    func call(_ name: Name, arguments: JSONValue) async throws -> CallTool.Result {
        switch name {
        case .searchTools:
            guard let query = arguments["query"]?.stringValue else { throw MCPError.invalidParams("'query' must be a string.") }
            let limit = min(max(arguments["limit"]?.intValue ?? 10, 1), 50)
            let hits = ToolSearch.rank(try await server.catalog.tools(tenantID: session.tenantID), query: query, limit: limit)
            let found: JSONValue = ["tools": .array(hits.map { hit in
                ["name": .string(hit.tool.name), "description": .string(Self.firstLine(hit.tool.description))]
            })]
            return Self.structured(found)
        case .describeTool:
            let tool = try await tool(arguments["name"])
            var described: [String: JSONValue] = [
                "name": .string(tool.name), "title": .string(tool.title), "description": .string(tool.description),
                "kind": .string(tool.kind.rawValue), "inputSchema": tool.inputSchema,
            ]
            described["outputSchema"] = tool.outputSchema
            return Self.structured(.object(described))
        case .callTool:
            let tool = try await tool(arguments["name"])
            let toolArguments = arguments["arguments"] ?? [:]
            guard toolArguments.objectValue != nil else { throw MCPError.invalidParams("'arguments' must be an object.") }
            return try await server.call(named: tool.name, arguments: toolArguments, session: session)
        }
    }

    private func tool(_ name: JSONValue?) async throws -> ToolDefinition {
        guard let name = name?.stringValue else { throw MCPError.invalidParams("'name' must be a string.") }
        guard let tool = try await server.catalog.tool(tenantID: session.tenantID, named: name) else {
            throw MCPError.invalidParams("Unknown tool: \(name.prefix(100)). Use search_tools to find tool names.")
        }
        return tool
    }

    private static func structured(_ value: JSONValue) -> CallTool.Result {
        CallTool.Result(
            content: [.text(text: StructuredOutput.text(value), annotations: nil, _meta: nil)],
            structuredContent: Optional(MCP.Value(value)), isError: false)
    }

    private static func firstLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return line.count > 160 ? String(line.prefix(157)) + "…" : line
    }
}
