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
    let admission: InvokeAdmission

    /// - Parameter admission: bounds the tool calls under way (none for a local stdio client);
    ///   a call past it is a failed result naming the limit.
    public init(catalog: ToolCatalog, admission: InvokeAdmission = InvokeAdmission(limits: .unlimited)) {
        self.catalog = catalog
        self.admission = admission
    }

    /// A server for one session, with its `tools/list` and `tools/call` handlers registered.
    public func makeServer(for session: ToolSession) async -> MCP.Server {
        let server = MCP.Server(
            name: Self.name, version: BuildInfo.version, title: "Junction",
            instructions: session.mode == .meta ? MetaTools.instructions : nil,
            capabilities: .init(tools: .init(listChanged: true)))
        await server.withMethodHandler(ListTools.self) { parameters in
            try await listTools(session, cursor: parameters.cursor)
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

    /// The most schema bytes one `tools/list` page carries: the official SDKs' clients read
    /// at most 1 MiB per message by default, and catalogs imported from published API
    /// descriptions reach several megabytes.
    static let pageBudget = 256 << 10

    /// One page of the session's tools, from `cursor` on; `nextCursor` names the next page.
    func listTools(_ session: ToolSession, cursor: String? = nil) async throws -> ListTools.Result {
        guard session.mode == .all else { return ListTools.Result(tools: MetaTools.tools) }
        let all = try await catalog.tools(tenantID: session.tenantID)
        let start = try cursor.map { cursor throws(MCPError) in
            guard let offset = Self.offset(in: cursor), offset <= all.count else {
                throw MCPError.invalidParams("The cursor is not one this server gave; list the tools from the start.")
            }
            return offset
        } ?? 0
        var end = start
        var bytes = 0
        while end < all.count {
            let size = Self.estimatedSize(all[end])
            if end > start, bytes + size > Self.pageBudget { break }
            bytes += size
            end += 1
        }
        return ListTools.Result(tools: all[start..<end].map(Self.tool), nextCursor: end < all.count ? Self.cursor(at: end) : nil)
    }

    /// An opaque cursor for the page starting at `offset`.
    static func cursor(at offset: Int) -> String {
        Data("tools:\(offset)".utf8).base64EncodedString()
    }

    static func offset(in cursor: String) -> Int? {
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8), text.hasPrefix("tools:") else {
            return nil
        }
        return Int(text.dropFirst("tools:".count)).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// About how many bytes a tool takes on the wire: its schemas and texts.
    private static func estimatedSize(_ tool: ToolDefinition) -> Int {
        let schemas = [tool.inputSchema] + (tool.outputSchema.map { [$0] } ?? [])
        let schemaBytes = schemas.reduce(0) { $0 + ((try? JSONCoding.encode($1).count) ?? 0) }
        return schemaBytes + tool.name.utf8.count + tool.description.utf8.count + tool.title.utf8.count + 200
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
        do {
            try admission.enter(tenantID: session.tenantID)
        } catch {
            return Self.failure(code: error.code.description, message: error.message, upstreamStatus: nil)
        }
        defer { admission.leave(tenantID: session.tenantID) }
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
        guard envelope.success, let payload = envelope.payload else {
            return failure(
                code: (envelope.error?.code ?? .internal).rawValue, message: envelope.error?.message ?? "The call failed.",
                upstreamStatus: envelope.error?.upstreamStatus)
        }
        return CallTool.Result(
            content: [.text(text: StructuredOutput.text(payload), annotations: nil, _meta: nil)],
            structuredContent: Optional(MCP.Value(StructuredOutput.content(payload.value, declaredSchema: tool.outputSchema))),
            isError: false)
    }

    /// A failed tool result: `isError` with `code: message`.
    static func failure(code: String, message: String, upstreamStatus: Int?) -> CallTool.Result {
        var text = "\(code): \(message)"
        if let upstreamStatus { text += " (upstream status \(upstreamStatus))" }
        return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: true)
    }
}
