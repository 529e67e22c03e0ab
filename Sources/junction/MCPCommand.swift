import ArgumentParser
import Foundation
import JunctionConnectors
import JunctionCore
import JunctionMCP
import JunctionRuntime
import Logging
import NIOHTTP1
import ServiceLifecycle
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
            at once) and acts as the local operator in --tenant (or JUNCTION_TENANT; with one tenant only, that
            one). Tool calls run the same invoke path as
            the API and are audited. Changes made through the server are noticed within --poll-ms and announced
            to the client with notifications/tools/list_changed.

            With --url, relays to that server's Streamable HTTP endpoint (/mcp) with an API key (--key, or better
            JUNCTION_API_KEY: arguments are visible to other local users). A tenant key needs no --tenant. The
            server's tool-list changes reach the client, and a session the server ended is opened again.

            Logs go to standard error.
            """
    )

    @Option(help: "Tenant id or name whose connectors are the tools (env JUNCTION_TENANT; with --url: for a platform key only).")
    var tenant: String? = ProcessInfo.processInfo.environment["JUNCTION_TENANT"]

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
        let logger = Logger(label: "junction.mcp")
        if let host = URLComponents(string: endpoint)?.host, endpoint.lowercased().hasPrefix("http:"),
           !["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased()) {
            logger.warning("--url is plain http to \(host): the API key travels unencrypted; use https.")
        }
        let headers: HTTPHeaders = ["Authorization": "Bearer \(key)", "User-Agent": "junction-mcp/\(BuildInfo.version)"]
        try await MCPRelay.withHTTPClient { http in
            let relay = MCPRelay(endpoint: endpoint, headers: headers, http: http)
            try await Self.run([], until: StdioRelayService(relay: relay, transport: .standardIO()), logger: logger)
        }
    }

    /// Serves the tenant's tools from the data directory, as the local operator.
    private func serveDataDirectory(mode: ToolMode) async throws {
        let configuration = try await local.loadRuntime()
        guard DataDirectory.hasDatabase(configuration.dataDirectory) else {
            throw ValidationError("No Junction database in \(configuration.dataDirectory): run `junction serve` once, or pass --data-dir.")
        }
        try await withRuntime(configuration) { runtime in
            let tenant: Tenant
            do {
                tenant = try await runtime.tenants.resolve(self.tenant)
            } catch let error as JunctionError {
                throw ValidationError(error.message)
            }
            let actor = AuditActor(keyID: "local:mcp-stdio", scope: .platform, requestID: nil)
            let tools = StdioToolService(
                toolServer: MCPToolServer(catalog: runtime.catalog),
                session: ToolSession(tenantID: tenant.id, actor: actor, mode: mode), changes: runtime.changes,
                transport: .standardIO())
            let poller = ConnectorChangePoller(
                store: runtime.store, cache: runtime.cache, tenantID: tenant.id, interval: .milliseconds(pollMilliseconds ?? 2000))
            // The audit writer first: stopped last, it writes the tools' queued events however this ends.
            try await Self.run([runtime.auditLog, poller], until: tools, logger: Logger(label: "junction.mcp"))
        }
    }

    /// Runs `services` and `main` in one service group until `main` ends (end of input) or
    /// SIGTERM/SIGINT, then shuts the group down gracefully.
    private static func run(_ services: [any Service], until main: any Service, logger: Logger) async throws {
        var configurations = services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        configurations.append(.init(
            service: main, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(
            services: configurations, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
