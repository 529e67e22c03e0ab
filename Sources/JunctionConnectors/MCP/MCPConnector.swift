import Foundation
import JunctionCore
import MCP

extension ConnectorSpec {
    /// `mcp`: an external MCP server whose tools are the connector's resources.
    public static let mcp = ConnectorSpec(
        type: "mcp",
        displayName: "MCP server",
        description: "Connects to an external MCP server, over Streamable HTTP at connection_url or by starting options.command (stdio). Its tools become this connector's resources, discovered live and refreshed by the connectivity test; invoking a resource calls the tool.",
        category: "ai",
        capabilities: [.invoke, .test],
        connectionURL: .optional,
        urlSchemes: ["http", "https"],
        credentialKinds: CredentialKind.http,
        fields: [
            FieldSpec("command", .string, description: "A stdio MCP server to start instead of connection_url (the operator must allow it in mcp_commands)."),
            FieldSpec("args", .stringArray, default: [], description: "Arguments of command."),
            FieldSpec("env", .stringMap, secret: true, default: [:], description: "Environment of command (sealed at rest; Junction's own environment is not passed on)."),
            .upstreamHeaders,
            .insecureSkipVerify,
            FieldSpec("resources", .objectArray, default: [], description: "Overrides for discovered tools (same slug): kind, description, mock, or a different tool name."),
        ],
        resourceFields: [
            FieldSpec("tool", .string, description: "The remote tool's name (default: the one the resource was discovered from)."),
        ]
    )
}

/// `mcp`: calls the tools of an external MCP server. Resources are discovered with
/// `tools/list` (slugs made from tool names, `kind` from `readOnlyHint`); invoking one sends
/// `tools/call` with the input as arguments and answers the result's structured content (or
/// its text). A tool result with `isError` fails the call with `upstream_error`.
public struct MCPConnector: Connector, ConnectionTestable, ResourceDiscovering, ConfigurationChecking {
    public static var spec: ConnectorSpec { .mcp }

    private let remote: MCPRemote
    private let timeout: Duration

    public init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {
        let options = configuration.options
        try Self.check(connectionURL: configuration.connectionURL, options: options, services: context.services)
        let endpoint: MCPRemote.Endpoint
        if let command = Self.command(options) {
            var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"]
            for (key, value) in options["env"]?.objectValue ?? [:] { environment[key] = value.stringValue }
            endpoint = .command(
                executable: try MCPCommandPolicy.executable(command, path: environment["PATH"]),
                arguments: options["args"]?.arrayValue?.compactMap(\.stringValue) ?? [], environment: environment)
        } else {
            endpoint = .http(try HTTPTransport(configuration: configuration, context: context))
        }
        remote = MCPRemote(endpoint: endpoint, name: configuration.name.rawValue, timeout: configuration.timeout,
            reaper: context.services[ConnectionReaperKey.self])
        timeout = configuration.timeout
    }

    /// Exactly one of `connection_url` and `options.command`, and a command the operator allows.
    public static func check(
        connectionURL: String?, options: ConnectorOptions, services: ServiceValues
    ) throws(JunctionError) {
        switch (connectionURL, command(options)) {
        case (_?, _?):
            throw .invalidInput("Give connection_url or options.command, not both.", field: "options.command")
        case (nil, nil):
            throw .invalidInput(
                "An mcp connector needs connection_url (Streamable HTTP) or options.command (stdio).", field: "connection_url")
        case (nil, let command?):
            try (services[MCPCommandPolicyKey.self] ?? MCPCommandPolicy()).check(command)
        case (_?, nil):
            break
        }
    }

    private static func command(_ options: ConnectorOptions) -> String? {
        options["command"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    public func discoverResources() async throws -> [JunctionCore.Resource] {
        do {
            return Self.resources(for: try await listTools(before: .now + timeout))
        } catch let error as JunctionError {
            throw JunctionError(.schemaDiscoveryFailed, "Could not list the MCP server's tools: \(error.message)", retryable: error.retryable, cause: error)
        }
    }

    public func testConnection(call: CallContext) async throws {
        _ = try await listTools(before: call.deadline)
    }

    public func execute(_ resource: JunctionCore.Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult {
        let name = resource.binding["tool"]?.stringValue ?? resource.slug.rawValue
        let arguments = (input.objectValue ?? [:]).mapValues(MCP.Value.init)
        let result = try await remote.exchange(before: call.deadline) { client in
            try await client.send(CallTool.request(.init(name: name, arguments: arguments))).value
        }
        let text = result.content.compactMap { content -> String? in
            if case .text(let text, _, _) = content { return text }
            return nil
        }.joined(separator: "\n")
        if result.isError == true {
            throw JunctionError(.upstreamError, "The tool '\(name.prefix(100))' failed: \(text.prefix(1000))", upstreamBody: .string(text))
        }
        if let structured = result.structuredContent { return ConnectorResult(data: JSONValue(structured)) }
        return ConnectorResult(data: .string(text))
    }

    private func listTools(before deadline: ContinuousClock.Instant) async throws -> [MCP.Tool] {
        try await remote.exchange(before: deadline) { client in
            var tools: [MCP.Tool] = []
            var cursor: String?
            repeat {
                let page = try await client.listTools(cursor: cursor)
                tools += page.tools
                cursor = page.nextCursor
            } while cursor != nil && tools.count < 10_000
            return tools
        }
    }

    /// Resources for remote tools: slugs from the names (lowercase, other characters as
    /// dashes, a numeric suffix on a clash), each bound to its tool's real name.
    static func resources(for tools: [MCP.Tool]) -> [JunctionCore.Resource] {
        var taken: Set<Slug> = []
        return tools.compactMap { tool in
            guard let base = Slug.from(tool.name) else { return nil }
            var slug = base
            var suffix = 2
            while taken.contains(slug) {
                // The suffix goes after the base cut short, so it survives the 63-character limit.
                let ending = "-\(suffix)"
                slug = Slug(String(base.rawValue.prefix(63 - ending.count)) + ending) ?? base
                suffix += 1
            }
            taken.insert(slug)
            return JunctionCore.Resource(
                slug: slug, name: tool.title ?? tool.annotations.title ?? tool.name, description: tool.description ?? "",
                kind: tool.annotations.readOnlyHint == true ? .read : .write,
                inputSchema: JSONValue(tool.inputSchema), outputSchema: tool.outputSchema.map(JSONValue.init),
                binding: ["tool": .string(tool.name)])
        }
    }
}
