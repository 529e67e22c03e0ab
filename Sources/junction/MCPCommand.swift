import ArgumentParser
import Foundation
import JunctionConnectors
import JunctionCore
import JunctionMCP
import JunctionRuntime
import JunctionServer
import JunctionStorage
import Logging
import MCP
import NIOHTTP1
import UnixSignals

/// `junction mcp`: serves a tenant's connector tools over MCP on standard input and output,
/// for desktop agents that start their MCP servers as processes, either from the data
/// directory or by relaying to a running server's `/mcp`.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve a tenant's tools over MCP on stdin/stdout.",
        discussion: """
            Without --url, opens the data directory directly (the same one `junction serve` uses; both may run
            at once) and acts as the local operator: --tenant is required. Tool calls run the same invoke path as
            the API and are audited. Changes made through the server are noticed within --poll-ms and announced
            to the client with notifications/tools/list_changed.

            With --url, relays to that server's Streamable HTTP endpoint (/mcp) with an API key (--key, or better
            JUNCTION_API_KEY: arguments are visible to other local users). A tenant key needs no --tenant. The
            server's tool-list changes reach the client, and a session the server ended is opened again.

            Logs go to standard error.
            """
    )

    @Option(help: "Tenant id or name whose connectors are the tools (with --url: for a platform key only).")
    var tenant: String?

    @Option(help: "all (every resource is a tool) or meta (search_tools, describe_tool, call_tool).")
    var tools: String = ToolMode.all.rawValue

    @Option(help: "Relay to the running server at this URL (e.g. http://127.0.0.1:8080) instead of opening the data directory.")
    var url: String?

    @Option(help: "API key for --url (env JUNCTION_API_KEY).")
    var key: String?

    @OptionGroup var local: LocalConfigurationOptions

    @Option(name: .customLong("poll-ms"), help: "How often to look for connector changes in the data directory, in milliseconds (default 2000).")
    var pollMilliseconds: Int?

    func validate() throws {
        guard ToolMode(rawValue: tools) != nil else { throw ValidationError("--tools must be all or meta.") }
        if url != nil {
            if local.isGiven || pollMilliseconds != nil {
                throw ValidationError("--data-dir, --config and --poll-ms read the data directory; they do not apply with --url.")
            }
        } else {
            guard tenant != nil else { throw ValidationError("--tenant is required without --url.") }
            if key != nil { throw ValidationError("--key applies only with --url.") }
            if let pollMilliseconds, !(100...60_000).contains(pollMilliseconds) {
                throw ValidationError("--poll-ms must be from 100 to 60000.")
            }
        }
    }

    func run() async throws {
        let mode = ToolMode(rawValue: tools) ?? .all
        bootstrapLogging(defaultLevel: .warning)
        if let url {
            try await relay(to: url, mode: mode)
        } else {
            try await serveDataDirectory(mode: mode)
        }
    }

    /// Relays standard input and output to the server's `/mcp`.
    private func relay(to url: String, mode: ToolMode) async throws {
        guard let endpoint = MCPRelay.junctionEndpoint(serverURL: url, tenant: tenant, mode: mode) else {
            throw ValidationError("--url must be an http or https URL, such as http://127.0.0.1:8080.")
        }
        guard let key = key ?? ProcessInfo.processInfo.environment["JUNCTION_API_KEY"], !key.isEmpty else {
            throw ValidationError("No API key: set JUNCTION_API_KEY or pass --key.")
        }
        if let host = URLComponents(string: endpoint)?.host, endpoint.lowercased().hasPrefix("http:"),
           !["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased()) {
            Logger(label: "junction.mcp").warning("--url is plain http to \(host): the API key travels unencrypted; use https.")
        }
        let headers: HTTPHeaders = ["Authorization": "Bearer \(key)", "User-Agent": "junction-mcp/\(BuildInfo.version)"]
        let client = MCPLineTransport.standardIO()
        // SIGTERM or SIGINT end the input as end of file would, so the session is still ended.
        let stopping = await Self.disconnectOnSignals(client)
        try await MCPRelay(endpoint: endpoint, headers: headers).run(client: client)
        stopping.cancel()
    }

    /// Serves the tenant's tools from the data directory, as the local operator.
    private func serveDataDirectory(mode: ToolMode) async throws {
        let configuration = try await local.load()
        let database = URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent(JunctionApplication.databaseFileName)
        guard FileManager.default.fileExists(atPath: database.path) else {
            throw ValidationError("No Junction database in \(configuration.dataDirectory): run `junction serve` once, or pass --data-dir.")
        }
        let junction = try await JunctionApplication(configuration: configuration)
        let name = tenant ?? ""
        guard let tenant = try await junction.store.tenant(idOrName: name) else {
            throw ValidationError("No tenant '\(name)'.")
        }
        let runtime = RuntimeServices(cacheTimeToLive: configuration.connectorCacheTTL, networkPolicy: configuration.networkPolicy,
            mcpCommands: configuration.mcpCommands)
        let components = junction.components(runtime: runtime)
        let actor = AuditActor(keyID: "local:mcp-stdio", scope: .platform, requestID: nil)
        let server = await components.toolServer.makeServer(for: ToolSession(tenantID: tenant.id, actor: actor, mode: mode))
        let forwarding = MCPToolServer.forwardChanges(of: tenant.id, from: runtime.cache.changes, to: server)
        let watching = Task { await watch(tenant.id, store: junction.store, cache: runtime.cache) }
        let auditing = Task { try await components.auditLog.run() }
        // The tools' audit events are written in the background: however this ends (end of
        // input, SIGTERM, SIGINT, a failed start), what is queued is written before exiting.
        defer {
            watching.cancel()
            forwarding.cancel()
        }
        let transport = MCPLineTransport.standardIO()
        let stopping = await Self.disconnectOnSignals(transport)
        do {
            try await server.start(transport: transport)
            await server.waitUntilCompleted()
        } catch {
            components.auditLog.finish()
            try? await auditing.value
            throw error
        }
        stopping.cancel()
        components.auditLog.finish()
        try? await auditing.value
        try? await runtime.shutdown()
    }

    /// Disconnects `transport` on the first SIGTERM or SIGINT, until the task is cancelled.
    private static func disconnectOnSignals(_ transport: MCPLineTransport) async -> Task<Void, Never> {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        return Task {
            for await _ in signals {
                await transport.disconnect()
                return
            }
        }
    }

    /// Another process (the server) writes the connectors: compare their fingerprint every
    /// poll and drop this process's cache on a change, which tells the client.
    private func watch(_ tenantID: String, store: any Store, cache: ConnectorCache) async {
        var last: [String]?
        while !Task.isCancelled {
            if let connectors = try? await store.connectors(ConnectorQuery(tenantID: tenantID)) {
                let fingerprint = connectors.map { "\($0.name)|\($0.enabled)|\($0.updatedAt.timeIntervalSince1970)" }.sorted()
                if let last, last != fingerprint { cache.invalidate(tenantID: tenantID) }
                last = fingerprint
            }
            try? await Task.sleep(for: .milliseconds(pollMilliseconds ?? 2000))
        }
    }
}
