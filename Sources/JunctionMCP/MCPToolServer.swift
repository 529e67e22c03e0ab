import Foundation
import JunctionConnectors
import JunctionCore
import JunctionRuntime

/// The MCP methods Junction serves over a tenant's connector resources, in both protocol
/// eras: `server/discover` (modern), `initialize` and `ping` (legacy), `tools/list` and
/// `tools/call`. `tools/call` runs the one invoke path; a failed call is a tool result with
/// `isError: true` carrying the error code and message, not a protocol error.
///
/// Transports (Streamable HTTP, stdio) read messages, decide the era, and keep what state
/// an era has (legacy sessions, subscriptions); this type only answers.
public struct MCPToolServer: Sendable {
    /// The server name announced in `initialize` and `serverInfo`.
    public static let name = "junction"
    /// How long a client may keep a `tools/list` page before asking again (`ttlMs`). Tools
    /// change only when an operator changes connectors, which subscribers hear at once.
    static let toolsTTLMilliseconds = 60_000
    /// How long a client may keep what `server/discover` said (`ttlMs`).
    static let discoverTTLMilliseconds = 3_600_000

    let catalog: ToolCatalog
    let admission: InvokeAdmission

    /// - Parameter admission: bounds the tool calls under way (none for a local stdio client);
    ///   a call past it is a failed result naming the limit.
    public init(catalog: ToolCatalog, admission: InvokeAdmission = InvokeAdmission(limits: .unlimited)) {
        self.catalog = catalog
        self.admission = admission
    }

    /// Answers `request` from the client `session` speaks for, in `era`.
    func respond(to request: RPCRequest, session: ToolSession, era: MCPEra) async -> Result<JSONValue, RPCError> {
        var session = session
        session.traceparent = request.meta?["traceparent"]?.stringValue.flatMap(TraceParent.init)
        let outcome: Result<JSONValue, RPCError>
        switch (request.method, era) {
        case ("server/discover", .modern):
            return .success(Self.complete(discovery(mode: session.mode), cacheScope: "public", ttl: Self.discoverTTLMilliseconds))
        case ("initialize", .legacy):
            outcome = Self.initialize(request.params, mode: session.mode)
        case ("ping", .legacy):
            outcome = .success([:])
        case ("tools/list", _):
            outcome = await listTools(session, cursor: request.params["cursor"])
            if case .modern = era, case .success(let page) = outcome {
                return .success(Self.complete(page, cacheScope: "private", ttl: Self.toolsTTLMilliseconds))
            }
        case ("tools/call", _):
            outcome = await callTool(request.params, session: session, era: era)
        default:
            outcome = .failure(.methodNotFound(request.method))
        }
        guard case .modern = era else { return outcome }
        return outcome.map { Self.complete($0) }
    }

    // MARK: Identity

    /// Who answers: `serverInfo` in `initialize` and every modern result's `_meta`.
    static let serverInfo: JSONValue = ["name": .string(name), "version": .string(BuildInfo.version), "title": "Junction"]

    /// What Junction can do: tools, whose list changes are announced.
    static let capabilities: JSONValue = ["tools": ["listChanged": true]]

    /// A modern result: `resultType: complete`, `serverInfo` in `_meta`, and for a cacheable
    /// result its `cacheScope` and `ttlMs`.
    static func complete(_ result: JSONValue, cacheScope: String? = nil, ttl: Int? = nil) -> JSONValue {
        guard case .object(var members) = result else { return result }
        members["resultType"] = members["resultType"] ?? "complete"
        var meta = members["_meta"]?.objectValue ?? [:]
        meta[ModernEnvelope.serverInfoKey] = serverInfo
        members["_meta"] = .object(meta)
        if let cacheScope, let ttl {
            members["cacheScope"] = .string(cacheScope)
            members["ttlMs"] = .integer(ttl)
        }
        return .object(members)
    }

    /// The `server/discover` result (before `complete(_:)`).
    func discovery(mode: ToolMode) -> JSONValue {
        var result: [String: JSONValue] = [
            "supportedVersions": .array(MCPRevision.supported.map(JSONValue.string)), "capabilities": Self.capabilities,
        ]
        if mode == .meta { result["instructions"] = .string(MetaTools.instructions) }
        return .object(result)
    }

    /// The `initialize` result, at the version asked for if Junction serves it, else its newest
    /// legacy version (the client then decides whether it can speak that).
    static func initialize(_ params: [String: JSONValue], mode: ToolMode) -> Result<JSONValue, RPCError> {
        guard case .string(let requested)? = params["protocolVersion"] else {
            return .failure(.invalidParams("initialize needs params.protocolVersion, a string such as \"2025-11-25\"."))
        }
        if let capabilities = params["capabilities"], capabilities.objectValue == nil {
            return .failure(.invalidParams("params.capabilities must be an object."))
        }
        var result: [String: JSONValue] = [
            "protocolVersion": .string(negotiated(requested)), "capabilities": capabilities, "serverInfo": serverInfo,
        ]
        if mode == .meta { result["instructions"] = .string(MetaTools.instructions) }
        return .success(.object(result))
    }

    /// The legacy version `initialize` answers for a client asking for `requested`.
    static func negotiated(_ requested: String) -> String {
        MCPRevision.isLegacy(requested) ? requested : MCPRevision.legacy[0]
    }

    // MARK: tools/list

    /// The most bytes of tools one `tools/list` page carries: the official SDKs' clients read
    /// at most 1 MiB per message by default, and catalogs imported from published API
    /// descriptions reach several megabytes.
    static let pageBudget = 256 << 10

    /// One page of the session's tools, from `cursor` on; `nextCursor` names the next page.
    /// The order is the catalog's (connector name, then resource), the same on every call.
    func listTools(_ session: ToolSession, cursor: JSONValue?) async -> Result<JSONValue, RPCError> {
        guard session.mode == .all else { return .success(["tools": .array(MetaTools.tools)]) }
        var start = 0
        if let cursor {
            guard case .string(let text) = cursor, let offset = Self.offset(in: text) else {
                return .failure(.invalidParams("The cursor is not one this server gave; list the tools from the start."))
            }
            start = offset
        }
        let all: [ToolDefinition]
        do {
            all = try await catalog.tools(tenantID: session.tenantID, access: session.actor.access)
        } catch {
            return .failure(.internalError("The tools could not be listed: \((error as? JunctionError)?.message ?? "\(error)")"))
        }
        guard start <= all.count else {
            return .failure(.invalidParams("The cursor is not one this server gave; list the tools from the start."))
        }
        var page: [JSONValue] = []
        var bytes = 0
        var end = start
        while end < all.count {
            let tool = Self.tool(all[end])
            let size = tool.jsonBytes.count
            if end > start, bytes + size > Self.pageBudget { break }
            bytes += size
            page.append(tool)
            end += 1
        }
        var result: [String: JSONValue] = ["tools": .array(page)]
        if end < all.count { result["nextCursor"] = .string(Self.cursor(at: end)) }
        return .success(.object(result))
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

    /// The MCP tool for a definition: annotations from its kind, and an output schema only
    /// as an object (a non-object schema is declared as `{"result": schema}`, matching
    /// `StructuredOutput.content(_:declaredSchema:)`).
    static func tool(_ definition: ToolDefinition) -> JSONValue {
        let isRead = definition.kind == .read
        var annotations: [String: JSONValue] = ["title": .string(definition.title), "readOnlyHint": .bool(isRead), "openWorldHint": true]
        if !isRead { annotations["destructiveHint"] = true }
        var tool: [String: JSONValue] = [
            "name": .string(definition.name), "title": .string(definition.title), "description": .string(definition.description),
            "inputSchema": definition.inputSchema, "annotations": .object(annotations),
        ]
        if let output = definition.outputSchema { tool["outputSchema"] = StructuredOutput.schema(output) }
        return .object(tool)
    }

    // MARK: tools/call

    func callTool(_ params: [String: JSONValue], session: ToolSession, era: MCPEra) async -> Result<JSONValue, RPCError> {
        guard case .string(let name)? = params["name"] else {
            return .failure(.invalidParams("tools/call needs params.name, the tool's name as a string."))
        }
        var arguments = params["arguments"] ?? .object([:])
        if arguments == .null { arguments = .object([:]) }
        guard arguments.objectValue != nil else {
            return .failure(.invalidParams("params.arguments must be an object of the tool's arguments."))
        }
        do {
            return .success(try await callTool(named: name, arguments: arguments, session: session, era: era))
        } catch {
            return .failure(error)
        }
    }

    /// Answers `tools/call` of `name`: a meta tool in meta mode, otherwise the tenant's tool.
    func callTool(named name: String, arguments: JSONValue, session: ToolSession, era: MCPEra) async throws(RPCError) -> JSONValue {
        if session.mode == .meta, let meta = MetaTools.Name(rawValue: name) {
            return try await MetaTools(server: self, session: session, era: era).call(meta, arguments: arguments)
        }
        return try await call(named: name, arguments: arguments, session: session, era: era)
    }

    /// Runs the tool `name` (also in meta mode, where it is not listed). An unknown name is a
    /// protocol error (`-32602`), as MCP specifies; a known tool whose connector cannot serve
    /// it (disabled, its server down) is a failed result naming why.
    func call(named name: String, arguments: JSONValue, session: ToolSession, era: MCPEra) async throws(RPCError) -> JSONValue {
        let found: ToolDefinition?
        do {
            found = try await catalog.tool(tenantID: session.tenantID, named: name)
        } catch let error as JunctionError {
            return Self.failure(code: error.code.description, message: error.message, upstreamStatus: error.upstreamStatus)
        } catch {
            throw .internalError("The tool could not be found: \(error)")
        }
        // A tool the key's allow-lists leave out is unknown, as it is absent from tools/list.
        guard let tool = found, session.actor.access.allows(connector: tool.connector.rawValue, resource: tool.resource.rawValue) else {
            throw .invalidParams("Unknown tool: \(name.prefix(100))")
        }
        do {
            try admission.enter(tenantID: session.tenantID)
        } catch {
            return Self.failure(code: error.code.description, message: error.message, upstreamStatus: nil)
        }
        defer { admission.leave(tenantID: session.tenantID) }
        var actor = session.actor
        actor.requestID = Identifier.make("req")
        if case .modern(let envelope) = era, let name = ToolSession.clientName(envelope.clientInfo) { actor.client = name }
        let envelope = await catalog.call(
            tool, arguments: arguments, tenantID: session.tenantID, requestID: actor.requestID!, actor: actor,
            traceparent: session.traceparent)
        return try Self.result(ApprovalService.linking(envelope, base: session.linkBase), tool: tool, era: era)
    }

    /// The tool result of an envelope: the data as JSON text and as structured content, or
    /// `isError` with `code: message`. A failure a person can resolve at a URL (an approval
    /// to grant) asks the client to open it, if it said it can: in 2026-07-28 an
    /// `input_required` result with a URL elicitation (the client retries the call once the
    /// person is done), in 2025-11-25 the error `-32042`.
    static func result(_ envelope: InvokeEnvelope, tool: ToolDefinition, era: MCPEra) throws(RPCError) -> JSONValue {
        guard envelope.success, let payload = envelope.payload else {
            let failed = envelope.error ?? InvokeEnvelope.Failure(code: .internal, message: "The call failed.", retryable: false)
            if let action = UserAction(failed) {
                switch era {
                case .modern(let envelope) where envelope.acceptsURLElicitation:
                    return action.inputRequired
                case .legacy(let version, let capabilities) where version == "2025-11-25" && capabilities["elicitation"]?["url"] != nil:
                    throw action.elicitationRequired
                default:
                    return failure(code: failed.code.rawValue, message: "\(failed.message) Open \(action.url) to continue.", upstreamStatus: nil)
                }
            }
            return failure(code: failed.code.rawValue, message: failed.message, upstreamStatus: failed.upstreamStatus)
        }
        return [
            "content": [["type": "text", "text": .string(StructuredOutput.text(payload))]],
            "structuredContent": StructuredOutput.content(payload.value, declaredSchema: tool.outputSchema),
            "isError": false,
        ]
    }

    /// A successful tool result carrying `value` as text and structured content.
    static func structured(_ value: JSONValue) -> JSONValue {
        ["content": [["type": "text", "text": .string(StructuredOutput.text(value))]], "structuredContent": value, "isError": false]
    }

    /// A failed tool result: `isError` with `code: message`.
    static func failure(code: String, message: String, upstreamStatus: Int?) -> JSONValue {
        var text = "\(code): \(message)"
        if let upstreamStatus { text += " (upstream status \(upstreamStatus))" }
        return ["content": [["type": "text", "text": .string(text)]], "isError": true]
    }
}

/// A failed call a person can resolve at a URL: its `details.url` (an approval to grant).
struct UserAction {
    let url: String
    let message: String
    /// Names the interaction: the approval's id if the failure gives one.
    let id: String

    init?(_ failure: InvokeEnvelope.Failure) {
        guard case .string(let url)? = failure.details?["url"], url.hasPrefix("https://") || url.hasPrefix("http://") else {
            return nil
        }
        self.url = url
        message = failure.message
        id = failure.details?["approval_id"]?.stringValue ?? failure.details?["id"]?.stringValue ?? Identifier.make("eli")
    }

    /// The 2026-07-28 answer: retry once the person has been to `url`.
    var inputRequired: JSONValue {
        [
            "resultType": "input_required",
            "inputRequests": [.init(id): ["method": "elicitation/create", "params": ["mode": "url", "message": .string(message), "url": .string(url)]]],
        ]
    }

    /// The 2025-11-25 answer (`URLElicitationRequiredError`).
    var elicitationRequired: RPCError {
        RPCError(
            code: -32042, message: message,
            data: ["elicitations": [["mode": "url", "message": .string(message), "url": .string(url), "elicitationId": .string(id)]]])
    }
}

/// The protocol era a request is served in.
enum MCPEra: Sendable {
    /// Stateless 2026-07-28: what the request's `_meta` declared.
    case modern(ModernEnvelope)
    /// A legacy session (HTTP) or process (stdio), at the version `initialize` negotiated,
    /// with the capabilities the client declared then (none before it).
    case legacy(version: String, clientCapabilities: JSONValue)
}
