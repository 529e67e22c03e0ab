import JunctionCore
import JunctionRuntime

/// How a session shows a tenant's tools.
public enum ToolMode: String, Sendable, CaseIterable {
    /// Every resource of every enabled connector is a tool.
    case all
    /// Three meta tools (`search_tools`, `describe_tool`, `call_tool`) stand for all of them,
    /// so a model's context stays small however large the catalog is.
    case meta
}

/// What one MCP session serves: whose tools, how they are shown, and who calls them.
public struct ToolSession: Sendable {
    /// The tenant whose connectors are the tools.
    public var tenantID: String
    /// Who calls, for the audit log (each call gets its own request id).
    public var actor: AuditActor
    /// All tools or the meta tools.
    public var mode: ToolMode
    /// The trace context of the request being answered (its `_meta.traceparent`), carried
    /// into the calls it makes.
    public var traceparent: TraceParent?
    /// The public URL approvals are linked under, when the call came over HTTP.
    public var linkBase: String?

    public init(tenantID: String, actor: AuditActor, mode: ToolMode) {
        self.tenantID = tenantID
        self.actor = actor
        self.mode = mode
    }
}

extension ToolSession {
    /// The client's name from its `clientInfo` (at most 200 characters), for policies and the audit log.
    static func clientName(_ clientInfo: JSONValue?) -> String? {
        clientInfo?["name"]?.stringValue.map { String($0.prefix(200)) }
    }
}
