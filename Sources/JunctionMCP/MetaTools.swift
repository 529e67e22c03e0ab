import JunctionConnectors
import JunctionCore
import JunctionRuntime

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

    static let tools: [JSONValue] = [
        [
            "name": .string(Name.searchTools.rawValue), "title": "Search tools",
            "description": "Find tools by keywords. Returns the best matching tool names with one-line descriptions.",
            "inputSchema": [
                "type": "object",
                "properties": [
                    "query": ["type": "string", "description": "Words describing the action, e.g. 'create contact'."],
                    "limit": ["type": "integer", "minimum": 1, "maximum": 50, "default": 10],
                ],
                "required": ["query"],
            ],
            "annotations": ["readOnlyHint": true, "openWorldHint": false],
        ],
        [
            "name": .string(Name.describeTool.rawValue), "title": "Describe a tool",
            "description": "The full definition of one tool: its description, input schema and output schema.",
            "inputSchema": [
                "type": "object",
                "properties": ["name": ["type": "string", "description": "A name from search_tools."]],
                "required": ["name"],
            ],
            "annotations": ["readOnlyHint": true, "openWorldHint": false],
        ],
        [
            "name": .string(Name.callTool.rawValue), "title": "Call a tool",
            "description": "Call one tool by name with arguments matching its input schema.",
            "inputSchema": [
                "type": "object",
                "properties": [
                    "name": ["type": "string", "description": "A name from search_tools."],
                    "arguments": ["type": "object", "description": "The tool's arguments."],
                ],
                "required": ["name"],
            ],
            "annotations": ["destructiveHint": true, "openWorldHint": true],
        ],
    ]

    let server: MCPToolServer
    let session: ToolSession
    let era: MCPEra

    func call(_ name: Name, arguments: JSONValue) async throws(RPCError) -> JSONValue {
        switch name {
        case .searchTools:
            guard let query = arguments["query"]?.stringValue else { throw .invalidParams("'query' must be a string.") }
            let limit = min(max(arguments["limit"]?.intValue ?? 10, 1), 50)
            let hits = ToolSearch.rank(try await allTools(), query: query, limit: limit)
            let found: JSONValue = ["tools": .array(hits.map { hit in
                ["name": .string(hit.tool.name), "description": .string(Self.firstLine(hit.tool.description))]
            })]
            return MCPToolServer.structured(found)
        case .describeTool:
            let tool = try await tool(arguments["name"])
            var described: [String: JSONValue] = [
                "name": .string(tool.name), "title": .string(tool.title), "description": .string(tool.description),
                "kind": .string(tool.kind.rawValue), "inputSchema": tool.inputSchema,
            ]
            described["outputSchema"] = tool.outputSchema
            return MCPToolServer.structured(.object(described))
        case .callTool:
            let tool = try await tool(arguments["name"])
            let toolArguments = arguments["arguments"] ?? [:]
            guard toolArguments.objectValue != nil else { throw .invalidParams("'arguments' must be an object.") }
            return try await server.call(named: tool.name, arguments: toolArguments, session: session, era: era)
        }
    }

    private func tool(_ name: JSONValue?) async throws(RPCError) -> ToolDefinition {
        guard let name = name?.stringValue else { throw .invalidParams("'name' must be a string.") }
        let found: ToolDefinition?
        do {
            found = try await server.catalog.tool(tenantID: session.tenantID, named: name)
        } catch {
            throw .internalError("The tool could not be read: \((error as? JunctionError)?.message ?? "\(error)")")
        }
        // A tool the key's allow-lists leave out is unknown here, as it is absent from the listing.
        guard let found, session.actor.access.allows(connector: found.connector.rawValue, resource: found.resource.rawValue) else {
            throw .invalidParams("Unknown tool: \(name.prefix(100)). Use search_tools to find tool names.")
        }
        return found
    }

    private func allTools() async throws(RPCError) -> [ToolDefinition] {
        do {
            return try await server.catalog.tools(tenantID: session.tenantID, access: session.actor.access)
        } catch {
            throw .internalError("The tools could not be listed: \((error as? JunctionError)?.message ?? "\(error)")")
        }
    }

    private static func firstLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return line.count > 160 ? String(line.prefix(157)) + "…" : line
    }
}
