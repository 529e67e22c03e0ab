import Configuration
import JunctionConnectors
import JunctionCore

extension Runtime {
    /// How the runtime runs: where its data lives, what connectors may reach and how many runs
    /// execute at once. Each default is written once, here or in the component it configures.
    public struct Configuration: Sendable {
        /// Where the database, master key and admin key live. Default `./junction-data`.
        public var dataDirectory: String = "./junction-data"
        /// The master key, base64 of 32 bytes; when unset a key file in the data directory is used.
        /// Never logged. Default: unset.
        public var masterKey: String?
        /// Which `env:`/`file:` secret references tenants may store. Default: environment variables
        /// starting with `JUNCTION_SECRET_`; no file references.
        public var secretReferences = SecretReferencePolicy()
        /// How long a prepared connector stays in the tenant runtime cache. Default 30 s.
        public var connectorCacheTTL: Duration = .seconds(30)
        /// Which addresses connectors may reach. Default: link-local and cloud metadata addresses
        /// denied, everything else allowed.
        public var networkPolicy = NetworkPolicy()
        /// Which programs `mcp` connectors may start as stdio MCP servers. Default: none — starting
        /// a program runs code on this host.
        public var mcpCommands = MCPCommandPolicy()
        /// The agent run workers (`workers`: runs at once, default 4; `lease`: how long a claim
        /// holds without renewal, default 30 s).
        public var runs = RunWorkers.Configuration()
        /// How many runs inbound events may leave queued, per connector and in all (see `RunQueueLimits`).
        public var runQueue = RunQueueLimits()
        /// How many action calls from outside (invoke API, MCP) may be under way at once, in all
        /// and per tenant (see `InvokeAdmission.Limits`).
        public var invokeLimits = InvokeAdmission.Limits()
        /// How long OAuth codes and tokens for remote MCP clients last (see `OAuthAuthority.Lifetimes`).
        public var oauth = OAuthAuthority.Lifetimes()
        /// The URL people and clients reach this server at (`public_url`), for the approval links
        /// in answers and notices; without it, answers link under the host a request came to.
        /// Default: unset.
        public var publicURL: String?
        /// A PEM file of certificate authorities trusted besides the system's for every outbound
        /// HTTPS call (connectors, deliveries, models, OAuth client metadata). Default: none.
        public var tlsCAFile: String?

        public init() {}

        /// The configuration `reader` gives, over the defaults: `data_dir`, `master_key`,
        /// `secret_env_prefix`, `secret_files_dir`, `connector_cache_ttl_ms`, `network_deny` (added to
        /// the default denials), `network_allow`, `mcp_commands`, `run_workers`, `run_lease_ms`,
        /// `run_queue_per_connector`, `run_queue_max`, `max_invokes_in_flight`, `max_invokes_per_tenant`,
        /// `oauth_code_ttl_ms`, `oauth_access_token_ttl_ms`, `oauth_refresh_token_ttl_ms`, `tls_ca_file`
        /// and `public_url`.
        public init(reading reader: ConfigReader) throws(JunctionError) {
            dataDirectory = reader.string(forKey: "data_dir", default: dataDirectory)
            masterKey = reader.string(forKey: "master_key", isSecret: true)
            secretReferences.environmentPrefix = reader.string(
                forKey: "secret_env_prefix", default: secretReferences.environmentPrefix)
            secretReferences.fileDirectory = reader.string(forKey: "secret_files_dir")
            connectorCacheTTL = try reader.milliseconds("connector_cache_ttl_ms", default: connectorCacheTTL, in: 0...86_400_000)
            networkPolicy.denied += try reader.blocks("network_deny")
            networkPolicy.allowed = try reader.blocks("network_allow")
            mcpCommands.allowedCommands = reader.list("mcp_commands")
            runs.workers = try reader.integer("run_workers", default: runs.workers, in: 1...256)
            runs.lease = try reader.milliseconds("run_lease_ms", default: runs.lease, in: 1000...3_600_000)
            runQueue.perConnector = try reader.integer("run_queue_per_connector", default: runQueue.perConnector, in: 1...10_000_000)
            runQueue.total = try reader.integer("run_queue_max", default: runQueue.total, in: 1...100_000_000)
            invokeLimits.perServer = try reader.integer("max_invokes_in_flight", default: invokeLimits.perServer, in: 1...1_000_000)
            invokeLimits.perTenant = try reader.integer("max_invokes_per_tenant", default: invokeLimits.perTenant, in: 1...1_000_000)
            tlsCAFile = reader.string(forKey: "tls_ca_file")
            if let url = reader.string(forKey: "public_url") {
                try URLCheck.check(url, schemes: ["http", "https"], field: "public_url")
                publicURL = url
            }
            oauth.code = try reader.milliseconds("oauth_code_ttl_ms", default: oauth.code, in: 10_000...3_600_000)
            oauth.accessToken = try reader.milliseconds("oauth_access_token_ttl_ms", default: oauth.accessToken, in: 60_000...86_400_000)
            oauth.refreshToken = try reader.milliseconds(
                "oauth_refresh_token_ttl_ms", default: oauth.refreshToken, in: 3_600_000...31_536_000_000)
        }

        /// The configuration from the environment and the YAML file (see `ConfigurationSource`).
        public static func load(configFile: String? = nil) async throws -> Configuration {
            try Configuration(reading: try await ConfigurationSource.reader(configFile: configFile))
        }
    }
}
