import JunctionConnectors
import JunctionCore
import JunctionStorage
import Logging
import Metrics
import ServiceLifecycle

/// Junction's runtime, assembled once over a data directory: the store and keyring, the shared
/// connection pools and caches, and every service the surfaces use (keys, tenants, credentials,
/// connectors, the invoke path and its live test, tools, agents, runs, triggers, deliveries,
/// audit). The HTTP server, the MCP endpoints and the CLI are adapters over it.
///
/// Made by `withRuntime(_:registry:metrics:_:)`, which also closes what it opened.
public struct Runtime: Sendable {
    /// How this runtime was configured.
    public let configuration: Configuration
    /// The connector types it knows.
    public let registry: ConnectorRegistry
    /// The store behind every service.
    public let store: any Store
    /// The keyring sealing secrets.
    public let secrets: SecretBox
    /// What this start created in the data directory.
    public let bootstrap: DataDirectory.Bootstrap
    /// Prepared connectors per tenant; its change feed announces connector writes.
    public let cache: ConnectorCache
    /// API keys: issuing and checking.
    public let keys: APIKeys
    /// The OAuth 2.1 authorization server for remote MCP clients.
    public let oauth: OAuthAuthority
    /// Tenants and their first keys.
    public let tenants: TenantService
    /// Credentials, sealed at rest.
    public let credentials: CredentialService
    /// Tenants' OAuth apps at providers.
    public let oauthApps: OAuthAppService
    /// Connecting `oauth2` credentials: authorization URL, callback, tokens.
    public let oauthConnect: OAuthConnectFlow
    /// The access tokens of `oauth2` credentials, refreshed as needed.
    public let tokenBroker: OAuthTokenBroker
    /// The template catalog: built in and imported.
    public let templates: TemplateService
    /// Connectors, checked against their type's spec.
    public let connectors: ConnectorService
    /// The invoke path and the live connectivity test.
    public let invoker: Invoker
    /// Bounds the action calls under way from outside.
    public let admission: InvokeAdmission
    /// Policies, approvals and rate limits of the invoke path.
    public var governance: Governance { invoker.governance }
    /// The tenant's resources as tools.
    public let catalog: ToolCatalog
    /// Agent definitions and their links.
    public let agents: AgentService
    /// The worker pool executing queued runs.
    public let workers: RunWorkers
    /// Runs started through the API.
    public let runs: RunService
    /// Turns inbound events into queued runs.
    public let triggers: TriggerService
    /// Sends run results to outbound connectors.
    public let deliveries: DeliveryWorker
    /// Hosts every inbound source (cron schedules, consumers).
    public let inbound: InboundSources
    /// Writes the action calls' audit events off the request path.
    public let auditLog: AuditWriter
    /// The connection pools of database and file-transfer connectors, kept across rebuilds.
    public let pools: ConnectionPools
    /// Drops old idempotency keys and delivered deliveries.
    public let purge: TriggerHistoryPurge

    /// Announces connector changes made through this runtime (`nil`: all tenants).
    public var changes: ChangeFeed { cache.changes }

    /// The long-running services of a server, in start order: the audit writer first, so
    /// that it stops last, once nothing can record events any more.
    public var services: [any Service] {
        let oauth = oauth
        return [
            auditLog, workers, deliveries, inbound, purge, CacheSweep(cache: cache),
            PeriodicWork(every: .seconds(30), "Closing idle database and file-transfer connections") { [pools] in await pools.sweep() },
            PeriodicWork(every: .seconds(3600), "Purging expired OAuth codes and tokens") { [store] in
                try await oauth.purge()
                try await store.purgeConnectAttempts(expiredBefore: Timestamp.now())
            },
            PeriodicWork(every: .seconds(60), "Failing runs whose approval expired") { [store, workers] in
                if try await store.failRunsWaitingOnExpiredApprovals(now: Timestamp.now()) > 0 { workers.runsFinished.fire() }
            },
        ]
    }

    init(
        configuration: Configuration, registry: ConnectorRegistry, directory: DataDirectory, clients: HTTPClients,
        reaper: ConnectionReaper, metrics: any MetricsFactory
    ) throws {
        self.configuration = configuration
        self.registry = registry
        store = directory.store
        secrets = directory.secrets
        bootstrap = directory.bootstrap
        cache = ConnectorCache(timeToLive: configuration.connectorCacheTTL)
        pools = ConnectionPools()
        let addressGuard = AddressGuard(policy: configuration.networkPolicy)
        var shared = ServiceValues()
        shared[HTTPClientsKey.self] = clients
        shared[ConnectionReaperKey.self] = reaper
        shared[ConnectionPoolsKey.self] = pools
        shared[OAuth2TokenCacheKey.self] = OAuth2TokenCache()
        shared[AddressGuardKey.self] = addressGuard
        shared[MCPCommandPolicyKey.self] = configuration.mcpCommands
        keys = APIKeys(store: store)
        let sender = HTTPSender(clients: clients, addressGuard: addressGuard)
        let runsFinished = WakeSignal()
        oauth = OAuthAuthority(
            store: store, keys: keys, lifetimes: configuration.oauth, documents: ClientMetadataDocuments(sender: sender))
        tenants = TenantService(store: store)
        let resolver = SecretResolver(policy: configuration.secretReferences)
        credentials = CredentialService(store: store, secrets: secrets, resolver: resolver, cache: cache)
        templates = TemplateService(store: store, registry: registry, builtIn: try BuiltInTemplates.load(registry: registry), cache: cache)
        oauthApps = OAuthAppService(store: store, secrets: secrets, resolver: resolver, templates: templates)
        tokenBroker = OAuthTokenBroker(store: store, secrets: secrets, apps: oauthApps, sender: sender, deliveries: runsFinished)
        oauthConnect = OAuthConnectFlow(store: store, secrets: secrets, apps: oauthApps, sender: sender, broker: tokenBroker)
        shared[AccessTokenSourceKey.self] = tokenBroker
        connectors = ConnectorService(
            store: store, registry: registry, secrets: secrets, cache: cache, templates: templates, services: shared)
        auditLog = AuditWriter(store: store, metrics: metrics)
        // A decided approval queues the runs waiting for it: it wakes the workers.
        let approvalsDecided = WakeSignal()
        let governance = Governance(
            policies: PolicyService(store: store),
            approvals: ApprovalService(
                store: store, publicURL: configuration.publicURL, deliveries: runsFinished, decisions: approvalsDecided),
            limiter: RateLimiter(metrics: metrics))
        invoker = Invoker(
            store: store, registry: registry, cache: cache, credentials: credentials, connectors: connectors,
            services: shared, auditLog: auditLog, governance: governance, metrics: InvokeMetrics(factory: metrics),
            templates: templates)
        admission = InvokeAdmission(limits: configuration.invokeLimits, metrics: metrics)
        catalog = ToolCatalog(store: store, invoker: invoker)
        agents = AgentService(store: store, invoker: invoker)
        workers = RunWorkers(
            store: store,
            runners: [
                .workflow: WorkflowRunner(invoker: invoker),
                .llm: LLMRunner(store: store, credentials: credentials, catalog: catalog, sender: sender),
            ],
            configuration: configuration.runs, runsFinished: runsFinished, wakeUps: approvalsDecided)
        runs = RunService(store: store, workers: workers)
        triggers = TriggerService(
            store: store, registry: registry, invoker: invoker, workers: workers, cache: cache, limits: configuration.runQueue,
            metrics: metrics)
        deliveries = DeliveryWorker(store: store, invoker: invoker, wakeUps: workers.runsFinished)
        inbound = InboundSources(store: store, registry: registry, invoker: invoker, triggers: triggers, changes: cache.changes)
        purge = TriggerHistoryPurge(store: store)
    }
}

/// Opens the data directory and assembles the runtime over it, runs `body` with it, and
/// however `body` ends, drops the cached connectors, awaits the closing of their sessions
/// (`ConnectionReaper`) and closes the connection pools. Long-running services are not started:
/// the caller runs `runtime.services` (or the ones it needs) in its service group.
///
/// - Parameters:
///   - registry: the connector types (default: the built-in ones).
///   - metrics: where the runtime's metrics go (default: nowhere).
public func withRuntime<T>(
    _ configuration: Runtime.Configuration,
    registry: ConnectorRegistry = .builtIn,
    metrics: any MetricsFactory = NOOPMetricsHandler.instance,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (Runtime) async throws -> sending T
) async throws -> sending T {
    let directory = try await DataDirectory.open(configuration)
    return try await HTTPClients.with(caFile: configuration.tlsCAFile) { clients in
        try await ConnectionReaper.with { reaper in
            let runtime = try Runtime(
                configuration: configuration, registry: registry, directory: directory, clients: clients, reaper: reaper,
                metrics: metrics)
            defer { runtime.cache.invalidate() }
            let result: Result<T, any Error>
            do {
                result = .success(try await body(runtime))
            } catch {
                result = .failure(error)
            }
            await runtime.pools.shutdown()
            return try result.get()
        }
    }
}
