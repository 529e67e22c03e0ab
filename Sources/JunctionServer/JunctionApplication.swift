import Hummingbird
import HummingbirdCore
import JunctionConnectors
import JunctionCore
import JunctionMCP
import JunctionRuntime
import Logging
import Metrics
import NIOCore
import Prometheus

/// The HTTP server over a runtime: its routes (control plane, invoke, hooks, MCP) and the
/// services it runs.
public struct JunctionApplication: Sendable {
    /// The server's configuration.
    public let configuration: ServerConfiguration
    /// The runtime behind every route.
    public let runtime: Runtime
    /// This server's metrics, served at `/metrics`.
    public let metrics: PrometheusCollectorRegistry

    /// A server over `runtime`, whose metrics go to `metrics`.
    public init(configuration: ServerConfiguration, runtime: Runtime, metrics: PrometheusCollectorRegistry) {
        self.configuration = configuration
        self.runtime = runtime
        self.metrics = metrics
    }

    /// The HTTP router with every route; MCP sessions live in `mcpSessions`.
    public func router(mcpSessions: MCPSessions) -> Router<JunctionRequestContext> {
        let store = runtime.store
        let router = Router(context: JunctionRequestContext.self)
        router.add(middleware: RequestMiddleware())
        router.add(middleware: authentication)
        let body = JSONBodyReader(limit: configuration.maxBodyBytes, timeout: configuration.requestBodyTimeout)
        let scope = TenantScope(store: store, mode: configuration.mode)
        HealthController(store: store, openAPIDocument: OpenAPIDocument.bytes, metrics: metrics).register(on: router.group())
        let mcp = MCPHTTPEndpoint(server: MCPToolServer(catalog: runtime.catalog, admission: runtime.admission), sessions: mcpSessions)
        MCPController(endpoint: mcp, scope: scope, body: body, publicURL: configuration.publicURL).register(on: router)
        HookController(triggers: runtime.triggers, body: body).register(on: router)
        OAuthController(
            oauth: runtime.oauth, keys: runtime.keys, scope: scope, publicURL: configuration.publicURL, body: body.limited(to: 64 << 10)
        ).register(on: router)
        registerControlPlane(on: router.group("api/v1"), body: body, scope: scope)
        connectController(scope: scope, body: body).registerCallback(on: router)
        ApprovalPage(approvals: runtime.governance.approvals, keys: runtime.keys, mode: configuration.mode, body: body.limited(to: 16 << 10))
            .register(on: router)
        if configuration.console.enabled {
            Console(gate: ConsoleGate(
                sessions: consoleSessions, api: ConsoleAPI(responder: controlPlaneRouter().buildResponder()), forms: body,
                publicURL: configuration.publicURL
            ), importLimit: configuration.maxImportBytes).register(on: router)
        }
        return router
    }

    /// The control plane alone (`/api/v1` and `/metrics`), for the console's in-process calls:
    /// they arrive with the session's principal, so only the role check runs.
    func controlPlaneRouter() -> Router<JunctionRequestContext> {
        let router = Router(context: JunctionRequestContext.self)
        router.add(middleware: authentication)
        let body = JSONBodyReader(limit: configuration.maxBodyBytes, timeout: configuration.requestBodyTimeout)
        let scope = TenantScope(store: runtime.store, mode: configuration.mode)
        HealthController(store: runtime.store, openAPIDocument: OpenAPIDocument.bytes, metrics: metrics).register(on: router.group())
        registerControlPlane(on: router.group("api/v1"), body: body, scope: scope)
        return router
    }

    private var authentication: APIKeyMiddleware {
        APIKeyMiddleware(keys: runtime.keys, oauth: runtime.oauth, protectedSegments: ["api", "mcp"], publicURL: configuration.publicURL)
    }

    /// The console's sign-ins.
    var consoleSessions: ConsoleSessions {
        ConsoleSessions(
            store: runtime.store, keys: runtime.keys, idleTimeout: configuration.console.sessionIdleTimeout,
            maximumAge: configuration.console.sessionMaximumAge)
    }

    /// Every `/api/v1` route.
    private func registerControlPlane(on api: RouterGroup<JunctionRequestContext>, body: JSONBodyReader, scope: TenantScope) {
        let store = runtime.store
        TenantController(
            store: store, tenants: runtime.tenants, keys: runtime.keys, body: body, mode: configuration.mode
        ).register(on: api)
        CredentialController(
            store: store, credentials: runtime.credentials, connect: runtime.oauthConnect, templates: runtime.templates, scope: scope, body: body
        ).register(on: api)
        connectController(scope: scope, body: body).register(on: api)
        OAuthAppController(store: store, apps: runtime.oauthApps, scope: scope, body: body).register(on: api)
        ConnectorController(
            store: store, connectors: runtime.connectors, registry: runtime.registry, scope: scope, body: body,
            publicURL: configuration.publicURL
        ).register(on: api)
        AgentController(store: store, agents: runtime.agents, runs: runtime.runs, scope: scope, body: body).register(on: api)
        RunController(store: store, scope: scope).register(on: api)
        DeliveryController(store: store, scope: scope, wakeUps: runtime.workers.runsFinished).register(on: api)
        InvokeController(
            invoker: runtime.invoker, admission: runtime.admission, cache: runtime.cache, scope: scope, body: body,
            publicURL: configuration.publicURL
        ).register(on: api)
        PolicyController(
            store: store, policies: runtime.governance.policies, invoker: runtime.invoker, scope: scope, body: body
        ).register(on: api)
        ApprovalController(approvals: runtime.governance.approvals, scope: scope, body: body, publicURL: configuration.publicURL)
            .register(on: api)
        ToolController(catalog: runtime.catalog, scope: scope).register(on: api)
        CatalogController(registry: runtime.registry).register(on: api)
        TemplateController(templates: runtime.templates, scope: scope, body: body.limited(to: configuration.maxImportBytes)).register(on: api)
        AuditController(store: store, auditLog: runtime.auditLog, scope: scope).register(on: api)
    }

    private func connectController(scope: TenantScope, body: JSONBodyReader) -> CredentialConnectController {
        CredentialConnectController(connect: runtime.oauthConnect, scope: scope, body: body, publicURL: configuration.publicURL)
    }

    /// The runnable application with the runtime's services; `onServerRunning` receives the
    /// URL actually bound.
    public func application(
        logger: Logger,
        onServerRunning: @escaping @Sendable (String) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let host = configuration.host
        let mcpSessions = MCPSessions(changes: runtime.changes, configuration: configuration.mcp)
        let openFiles = OpenFileLimit.current
        let limit = configuration.connectionLimit(openFiles: openFiles)
        let acceptedAtMost = limit + max(16, limit / 8)
        if let openFiles, acceptedAtMost > openFiles - 64 {
            logger.warning(
                "max_connections leaves too few open files for the store and upstream connections: lower it or raise the limit",
                metadata: ["max_connections": "\(limit)", "open_file_limit": "\(openFiles)"])
        }
        let factory = PrometheusMetricsFactory(registry: metrics)
        let evicted = Counter(label: "junction_connections_closed_total", dimensions: [("reason", "idle_evicted")], factory: factory)
        let lateHeads = Counter(label: "junction_connections_closed_total", dimensions: [("reason", "header_timeout")], factory: factory)
        let connections = ConnectionRegistry(limit: limit, onEviction: { evicted.increment() })
        let headerTimeout = TimeAmount(configuration.requestHeaderTimeout)
        return Application(
            router: router(mcpSessions: mcpSessions),
            // A connection that sends nothing for the idle timeout (a body that stops short of
            // its Content-Length, an unused keep-alive) is closed, and one whose request head
            // takes longer than the header timeout.
            server: .http1(configuration: .init(
                additionalChannelHandlers: [
                    ConnectionGuard(registry: connections, headerTimeout: headerTimeout, onHeaderTimeout: { lateHeads.increment() })
                ],
                idleTimeout: TimeAmount(configuration.idleTimeout))),
            configuration: .init(
                address: .hostname(host, port: configuration.port), serverName: "Junction", backlog: configuration.listenBacklog,
                // Past the limit idle connections make way for new ones; with every one busy, an
                // eighth more are taken before new ones wait to be accepted.
                availableConnectionsDelegate: MaximumAvailableConnections(acceptedAtMost)),
            // Stopped in reverse order: MCP sessions first, the runtime's audit writer last.
            services: runtime.services + [mcpSessions, PeriodicWork(every: .seconds(3600), "Purging ended console sessions") { [consoleSessions] in
                try await consoleSessions.purge()
            }],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let shownHost = host.contains(":") ? "[\(host)]" : host
                await onServerRunning("http://\(shownHost):\(port)")
            },
            logger: logger
        )
    }
}

/// Opens the runtime `configuration` names, runs `body` with the server assembled over it, and
/// closes the runtime however `body` ends.
public func withJunctionServer<T>(
    _ configuration: ServerConfiguration,
    registry: ConnectorRegistry = .builtIn,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (JunctionApplication) async throws -> sending T
) async throws -> sending T {
    let metrics = PrometheusCollectorRegistry()
    var runtimeConfiguration = configuration.runtime
    // Approval links in answers and notices point where the server says it is.
    runtimeConfiguration.publicURL = runtimeConfiguration.publicURL ?? configuration.publicURL
    // A shared service's tenants must not reach the servers' own network.
    if configuration.mode == .saas {
        runtimeConfiguration.networkPolicy = runtimeConfiguration.networkPolicy.denyingLocalNetworks()
    }
    return try await withRuntime(runtimeConfiguration, registry: registry, metrics: PrometheusMetricsFactory(registry: metrics)) {
        runtime in
        try await body(JunctionApplication(configuration: configuration, runtime: runtime, metrics: metrics))
    }
}
