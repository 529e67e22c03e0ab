import Foundation
import JunctionConnectors
import JunctionCore
import JunctionRuntime
import MCP

/// Makes MCP servers (swift-sdk `Server`) that offer a tenant's connector resources as tools.
/// `tools/call` runs the one invoke path; a failed call is a tool result with `isError: true`
/// carrying the error code and message, not a protocol error.
public struct MCPToolServer: Sendable {
    /// The server name announced in `initialize`.
    public static let name = "junction"

    let catalog: ToolCatalog

    public init(catalog: ToolCatalog) {
        self.catalog = catalog
    }

    /// A server for one session, with its `tools/list` and `tools/call` handlers registered.
    public func makeServer(for session: ToolSession) async -> MCP.Server {
        let server = MCP.Server(
            name: Self.name, version: BuildInfo.version, title: "Junction",
            instructions: session.mode == .meta ? MetaTools.instructions : nil,
            capabilities: .init(tools: .init(listChanged: true)))
        await server.withMethodHandler(ListTools.self) { _ in
            try await listTools(session)
        }
        await server.withMethodHandler(CallTool.self) { parameters in
            try await callTool(parameters, session: session)
        }
        return server
    }

    /// Sends `notifications/tools/list_changed` to `server` whenever `feed` announces a change
    /// of `tenantID`'s connectors, until the returned task is cancelled.
    public static func forwardChanges(of tenantID: String, from feed: ChangeFeed, to server: MCP.Server) -> Task<Void, Never> {
        let changes = feed.subscribe()
        return Task {
            for await changed in changes where changed == nil || changed == tenantID {
                try? await server.notify(ToolListChangedNotification.message())
            }
        }
    }

    func listTools(_ session: ToolSession) async throws -> ListTools.Result {
        switch session.mode {
        case .all: ListTools.Result(tools: try await catalog.tools(tenantID: session.tenantID).map(Self.tool))
        case .meta: ListTools.Result(tools: MetaTools.tools)
        }
    }

    func callTool(_ parameters: CallTool.Parameters, session: ToolSession) async throws -> CallTool.Result {
        let arguments = JSONValue.object((parameters.arguments ?? [:]).mapValues(JSONValue.init))
        return try await callTool(named: parameters.name, arguments: arguments, session: session)
    }

    /// Answers `tools/call` of `name`: a meta tool in meta mode, otherwise the tenant's tool.
    func callTool(named name: String, arguments: JSONValue, session: ToolSession) async throws -> CallTool.Result {
        if session.mode == .meta, let meta = MetaTools.Name(rawValue: name) {
            return try await MetaTools(server: self, session: session).call(meta, arguments: arguments)
        }
        return try await call(named: name, arguments: arguments, session: session)
    }

    /// Runs the tool `name` (also in meta mode, where it is not listed). An unknown name is a
    /// protocol error (`-32602`), as MCP specifies; a known tool whose connector cannot serve
    /// it (disabled, its server down) is a failed result naming why.
    func call(named name: String, arguments: JSONValue, session: ToolSession) async throws -> CallTool.Result {
        let found: ToolDefinition?
        do {
            found = try await catalog.tool(tenantID: session.tenantID, named: name)
        } catch let error as JunctionError {
            return Self.failure(code: error.code.description, message: error.message, upstreamStatus: error.upstreamStatus)
        }
        guard let tool = found else {
            throw MCPError.invalidParams("Unknown tool: \(name.prefix(100))")
        }
        var actor = session.actor
        actor.requestID = Identifier.make("req")
        let envelope = await catalog.call(
            tool, arguments: arguments, tenantID: session.tenantID, requestID: actor.requestID!, actor: actor)
        return Self.result(envelope, tool: tool)
    }

    /// The MCP tool for a definition: annotations from its kind, and an output schema only
    /// as an object (a non-object schema is declared as `{"result": schema}`, matching
    /// `StructuredOutput.content(_:declaredSchema:)`).
    static func tool(_ definition: ToolDefinition) -> MCP.Tool {
        let isRead = definition.kind == .read
        return MCP.Tool(
            name: definition.name, title: definition.title, description: definition.description,
            inputSchema: MCP.Value(definition.inputSchema),
            annotations: .init(
                title: definition.title, readOnlyHint: isRead, destructiveHint: isRead ? nil : true,
                openWorldHint: true),
            outputSchema: definition.outputSchema.map { MCP.Value(StructuredOutput.schema($0)) })
    }

    /// The tool result of an envelope: the data as JSON text and as structured content, or
    /// `isError` with `code: message`.
    static func result(_ envelope: InvokeEnvelope, tool: ToolDefinition) -> CallTool.Result {
        guard envelope.success, let data = envelope.data else {
            return failure(
                code: (envelope.error?.code ?? .internal).rawValue, message: envelope.error?.message ?? "The call failed.",
                upstreamStatus: envelope.error?.upstreamStatus)
        }
        return CallTool.Result(
            content: [.text(text: StructuredOutput.text(data), annotations: nil, _meta: nil)],
            structuredContent: Optional(MCP.Value(StructuredOutput.content(data, declaredSchema: tool.outputSchema))),
            isError: false)
    }

    /// A failed tool result: `isError` with `code: message`.
    static func failure(code: String, message: String, upstreamStatus: Int?) -> CallTool.Result {
        var text = "\(code): \(message)"
        if let upstreamStatus { text += " (upstream status \(upstreamStatus))" }
        return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: true)
    }
}
