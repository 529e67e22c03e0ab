import Foundation
import Hummingbird
import JunctionConnectors
import JunctionCore
import JunctionMCP
import JunctionRuntime
import JunctionStorage
import Logging
import Prometheus

/// Assembles a Junction server: data directory, keyring, store, services and routes.
public struct JunctionApplication: Sendable {
    /// What first start created, for the operator to see once.
    public struct Bootstrap: Sendable {
        /// The platform admin key, when this start created it (also written to `admin.key`).
        public var createdAdminKey: String?
        /// Where the admin key was written.
        public var adminKeyPath: String
        /// Whether this start created the master key file.
        public var createdMasterKey: Bool
    }

    /// The name of the SQLite database inside the data directory.
    public static let databaseFileName = "junction.sqlite"
    /// The name of the admin key file inside the data directory.
    public static let adminKeyFileName = "admin.key"

    /// The server's configuration.
    public let configuration: ServerConfiguration
    /// The store behind every route.
    public let store: any Store
    /// The keyring sealing secrets.
    public let secrets: SecretBox
    /// The connector types this server knows.
    public let registry: ConnectorRegistry
    /// What this start created.
    public let bootstrap: Bootstrap
    /// This server's metrics, served at `/metrics`.
    public let metrics = PrometheusCollectorRegistry()
    /// The built-in template catalog.
    public let builtInTemplates: [Template]

    /// Opens (creating on first start) the data directory, keyring and database, and makes
    /// the platform admin key if none exists yet.
    public init(configuration: ServerConfiguration, registry: ConnectorRegistry = .builtIn) async throws {
        let directory = URL(fileURLWithPath: configuration.dataDirectory, isDirectory: true)
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try Self.checkSecretFilesDirectory(configuration.secretReferences.fileDirectory, dataDirectory: directory)
        let databaseURL = directory.appendingPathComponent(Self.databaseFileName)
        let databaseExisted = FileManager.default.fileExists(atPath: databaseURL.path)
        let (secrets, createdMasterKey) = try MasterKeyFile.loadKeyring(
            environmentKey: configuration.masterKey, directory: directory, allowCreating: !databaseExisted)
        if !databaseExisted {
            // SQLite gives its -wal and -shm files the database file's mode: make it 0600 first.
            try PrivateFile.write("", to: databaseURL)
        }
        let store = try SQLiteStore(path: databaseURL.path)
        try await Self.checkKeyring(secrets, opens: store)
        let adminKeyURL = directory.appendingPathComponent(Self.adminKeyFileName)
        var createdAdminKey: String?
        if try await store.keys(tenantID: nil).isEmpty {
            // The key file is written before the key is stored: a crash between the two leaves
            // no platform key, and the next start makes a new one.
            let issued = APIKeys.generate(scope: .platform, name: "admin")
            try PrivateFile.write(issued.text + "\n", to: adminKeyURL)
            try await store.insertKey(
                issued.record,
                audit: AuditActor.system.event("key.create", tenantID: nil, targetType: "api_key", target: issued.record.id)
            )
            createdAdminKey = issued.text
        }
        self.builtInTemplates = try BuiltInTemplates.load()
        self.configuration = configuration
        self.store = store
        self.secrets = secrets
        self.registry = registry
        self.bootstrap = Bootstrap(
            createdAdminKey: createdAdminKey, adminKeyPath: adminKeyURL.path, createdMasterKey: createdMasterKey)
    }

    /// Refuses to start when the keyring cannot open a secret already in the database (a
    /// wrong or replaced master key), rather than failing later on every use.
    private static func checkKeyring(_ secrets: SecretBox, opens store: any Store) async throws {
        guard let sample = try await store.credentials(tenantID: nil).first(where: { !$0.sealedSecrets.isEmpty }) else {
            return
        }
        do {
            _ = try secrets.open(
                sample.sealedSecrets, context: CredentialService.sealContext(tenantID: sample.tenantID, id: sample.id))
        } catch {
            throw JunctionError.invalidInput(
                "The master key does not open the secrets in this database: start with the master key they were sealed with."
            )
        }
    }

    /// The secret files directory must not hold the data directory (or the reverse): tenants
    /// could otherwise reference the master key or the database.
    private static func checkSecretFilesDirectory(_ secretFiles: String?, dataDirectory: URL) throws {
        guard let secretFiles else { return }
        let secrets = URL(fileURLWithPath: secretFiles).standardizedFileURL.resolvingSymlinksInPath().path
        let data = dataDirectory.standardizedFileURL.resolvingSymlinksInPath().path
        if secrets == data || SecretReferencePolicy.isInside(data, directory: secrets)
            || SecretReferencePolicy.isInside(secrets, directory: data)
        {
            throw JunctionError.invalidInput(
                "secret_files_dir must not contain, or be inside, the data directory.", field: "secret_files_dir")
        }
    }

    /// The runtime parts the routes, the MCP endpoint and `junction mcp` share.
    public struct Components: Sendable {
        public let credentials: CredentialService
        public let templates: TemplateService
        public let connectors: ConnectorService
        public let invoker: Invoker
        public let catalog: ToolCatalog
        /// The worker pool (a service of the server only) and the queue in front of it.
        public let workers: RunWorkers
        public let runs: RunService
        /// Turns webhook requests and cron ticks into runs.
        public let triggers: TriggerService
        /// Sends run results to outbound connectors (a service of the server only).
        public let deliveries: DeliveryWorker
        /// Fires cron connectors (a service of the server only).
        public let cron: CronScheduler
        /// Writes action calls' audit events (a service of the server: it must run).
        public let auditLog: AuditWriter
        /// Makes MCP servers over the tenant's tools.
        public var toolServer: MCPToolServer { MCPToolServer(catalog: catalog) }
    }

    /// Builds the runtime parts over `runtime`'s pools and caches.
    public func components(runtime: RuntimeServices) -> Components {
        let resolver = SecretResolver(policy: configuration.secretReferences)
        let credentials = CredentialService(store: store, secrets: secrets, resolver: resolver, cache: runtime.cache)
        let templates = TemplateService(store: store, registry: registry, builtIn: builtInTemplates, cache: runtime.cache)
        let connectors = ConnectorService(
            store: store, registry: registry, secrets: secrets, cache: runtime.cache, templates: templates,
            services: runtime.connectorServices)
        let metricsFactory = PrometheusMetricsFactory(registry: metrics)
        let auditLog = AuditWriter(store: store, metrics: metricsFactory)
        let invoker = Invoker(
            store: store, registry: registry, cache: runtime.cache, credentials: credentials, connectors: connectors,
            services: runtime.connectorServices, auditLog: auditLog, metrics: InvokeMetrics(factory: metricsFactory),
            templates: templates)
        var pool = RunWorkers.Configuration()
        pool.workers = configuration.runWorkers
        pool.lease = configuration.runLease
        let catalog = ToolCatalog(store: store, invoker: invoker)
        let sender = HTTPSender(clients: runtime.httpClients, addressGuard: runtime.addressGuard)
        let llm = LLMRunner(store: store, credentials: credentials, catalog: catalog, sender: sender)
        let workers = RunWorkers(
            store: store, runners: [.workflow: WorkflowRunner(invoker: invoker), .llm: llm], configuration: pool)
        let triggers = TriggerService(store: store, connectors: connectors, workers: workers, cache: runtime.cache)
        return Components(
            credentials: credentials, templates: templates, connectors: connectors, invoker: invoker,
            catalog: catalog, workers: workers, runs: RunService(store: store, workers: workers), triggers: triggers,
            deliveries: DeliveryWorker(store: store, connectors: connectors, sender: sender, wakeUps: workers.runsFinished),
            cron: CronScheduler(store: store, connectors: connectors, triggers: triggers, changes: runtime.cache.changes),
            auditLog: auditLog)
    }

    /// The HTTP router with every route, running actions through `components`; MCP sessions
    /// live in `mcpSessions`.
    public func router(
        runtime: RuntimeServices, components: Components, mcpSessions: MCPSessions
    ) -> Router<JunctionRequestContext> {
        let router = Router(context: JunctionRequestContext.self)
        router.add(middleware: RequestMiddleware())
        let keys = APIKeys(store: store)
        router.add(middleware: APIKeyMiddleware(keys: keys, protectedSegments: ["api", "mcp"]))
        let body = JSONBodyReader(limit: configuration.maxBodyBytes)
        let scope = TenantScope(store: store, mode: configuration.mode)
        HealthController(store: store, openAPIDocument: OpenAPIDocument.bytes, metrics: metrics).register(on: router.group())
        MCPController(sessions: mcpSessions, scope: scope, body: body).register(on: router)
        HookController(triggers: components.triggers).register(on: router)
        let api = router.group("api/v1")
        TenantController(store: store, keys: keys, body: body, mode: configuration.mode).register(on: api)
        CredentialController(store: store, credentials: components.credentials, scope: scope, body: body).register(on: api)
        ConnectorController(
            store: store, connectors: components.connectors, scope: scope, body: body, publicURL: configuration.publicURL
        ).register(on: api)
        AgentController(store: store, agents: AgentService(store: store), runs: components.runs, scope: scope, body: body).register(on: api)
        RunController(store: store, scope: scope).register(on: api)
        DeliveryController(store: store, scope: scope, wakeUps: components.workers.runsFinished).register(on: api)
        InvokeController(
            invoker: components.invoker, connectors: components.connectors, cache: runtime.cache, scope: scope, body: body
        ).register(on: api)
        ToolController(catalog: components.catalog, scope: scope).register(on: api)
        CatalogController(registry: registry).register(on: api)
        TemplateController(templates: components.templates, scope: scope, limit: configuration.maxBodyBytes).register(on: api)
        AuditController(store: store, auditLog: components.auditLog, scope: scope).register(on: api)
        return router
    }

    /// The runnable application; `onServerRunning` receives the URL actually bound.
    public func application(
        logger: Logger,
        onServerRunning: @escaping @Sendable (String) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let host = configuration.host
        let runtime = RuntimeServices(
            cacheTimeToLive: configuration.connectorCacheTTL, networkPolicy: configuration.networkPolicy,
            mcpCommands: configuration.mcpCommands)
        let components = components(runtime: runtime)
        let mcpSessions = MCPSessions(
            toolServer: components.toolServer, changes: runtime.cache.changes, idleTimeout: configuration.mcpSessionIdleTimeout)
        return Application(
            router: router(runtime: runtime, components: components, mcpSessions: mcpSessions),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "Junction"),
            // Stopped in reverse order: the audit writer last, once nothing can record events.
            services: [
                components.auditLog, runtime, mcpSessions, components.workers, components.deliveries, components.cron, TriggerHistoryPurge(store: store),
            ],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let shownHost = host.contains(":") ? "[\(host)]" : host
                await onServerRunning("http://\(shownHost):\(port)")
            },
            logger: logger
        )
    }
}
