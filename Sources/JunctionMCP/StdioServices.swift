import JunctionConnectors
import JunctionRuntime
import MCP
import ServiceLifecycle

/// Serves one tool session over a line transport (standard input and output, for
/// `junction mcp --data-dir`) until the client's input ends or graceful shutdown begins, and
/// tells the client `notifications/tools/list_changed` when the tenant's connectors change.
public struct StdioToolService: Service {
    let toolServer: MCPToolServer
    let session: ToolSession
    let changes: ChangeFeed
    let transport: MCPLineTransport

    public init(toolServer: MCPToolServer, session: ToolSession, changes: ChangeFeed, transport: MCPLineTransport) {
        self.toolServer = toolServer
        self.session = session
        self.changes = changes
        self.transport = transport
    }

    public func run() async throws {
        let server = await toolServer.makeServer(for: session)
        let forwarding = MCPToolServer.forwardChanges(of: session.tenantID, from: changes, to: server)
        defer { forwarding.cancel() }
        try await transport.disconnectingOnGracefulShutdown {
            try await server.start(transport: transport)
            await server.waitUntilCompleted()
        }
    }
}

/// Relays a line transport's client to a Streamable HTTP MCP endpoint (`junction mcp --url`)
/// until the client's input ends or graceful shutdown begins; either way the server's
/// session is ended.
public struct StdioRelayService: Service {
    let relay: MCPRelay
    let transport: MCPLineTransport

    public init(relay: MCPRelay, transport: MCPLineTransport) {
        self.relay = relay
        self.transport = transport
    }

    public func run() async throws {
        try await transport.disconnectingOnGracefulShutdown {
            try await relay.run(client: transport)
        }
    }
}

extension MCPLineTransport {
    /// Runs `body`, disconnecting this transport (which ends its input, as end of file would)
    /// once graceful shutdown begins.
    func disconnectingOnGracefulShutdown(_ body: @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Throws when cancelled: `body` ended first, nothing to disconnect for.
                try await gracefulShutdown()
                await self.disconnect()
            }
            do {
                try await body()
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
            _ = try? await group.next()
        }
    }
}
