import ArgumentParser
import Foundation
import JunctionCore
import JunctionMCP
import JunctionRuntime
import JunctionServer
import JunctionStorage
import Logging
import MCP

/// `junction mcp --tenant NAME`: serves a tenant's connector tools over MCP on standard input
/// and output, for desktop agents that start their MCP servers as processes.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve a tenant's tools over MCP on stdin/stdout.",
        discussion: """
            Opens the data directory directly (the same one `junction serve` uses; both may run at once)
            and acts as the local operator. Tool calls run the same invoke path as the API and are audited.
            Changes made through the server are noticed within --poll-ms and announced to the client
            with notifications/tools/list_changed. Logs go to standard error.
            """
    )

    @Option(help: "Tenant id or name whose connectors are the tools.")
    var tenant: String

    @Option(help: "all (every resource is a tool) or meta (search_tools, describe_tool, call_tool).")
    var tools: String = ToolMode.all.rawValue

    @Option(name: .customLong("data-dir"), help: "Data directory (env JUNCTION_DATA_DIR; default ./junction-data).")
    var dataDirectory: String?

    @Option(help: "YAML configuration file (env JUNCTION_CONFIG; default ./junction.yaml if present).")
    var config: String?

    @Option(name: .customLong("poll-ms"), help: "How often to look for connector changes, in milliseconds.")
    var pollMilliseconds: Int = 2000

    func run() async throws {
        guard let mode = ToolMode(rawValue: tools) else { throw ValidationError("--tools must be all or meta.") }
        guard (100...60_000).contains(pollMilliseconds) else { throw ValidationError("--poll-ms must be from 100 to 60000.") }
        bootstrapLogging(defaultLevel: .warning)
        var configuration = try await ServerConfiguration.load(configFile: config)
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        let database = URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent(JunctionApplication.databaseFileName)
        guard FileManager.default.fileExists(atPath: database.path) else {
            throw ValidationError("No Junction database in \(configuration.dataDirectory): run `junction serve` once, or pass --data-dir.")
        }
        let junction = try await JunctionApplication(configuration: configuration)
        guard let tenant = try await junction.store.tenant(idOrName: self.tenant) else {
            throw ValidationError("No tenant '\(self.tenant)'.")
        }
        let runtime = RuntimeServices(cacheTimeToLive: configuration.connectorCacheTTL, networkPolicy: configuration.networkPolicy,
            mcpCommands: configuration.mcpCommands)
        let components = junction.components(runtime: runtime)
        let actor = AuditActor(keyID: "local:mcp-stdio", scope: .platform, requestID: nil)
        let server = await components.toolServer.makeServer(for: ToolSession(tenantID: tenant.id, actor: actor, mode: mode))
        let forwarding = MCPToolServer.forwardChanges(of: tenant.id, from: runtime.cache.changes, to: server)
        let watching = Task { await watch(tenant.id, store: junction.store, cache: runtime.cache) }
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
        watching.cancel()
        forwarding.cancel()
        try? await runtime.shutdown()
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
            try? await Task.sleep(for: .milliseconds(pollMilliseconds))
        }
    }
}
