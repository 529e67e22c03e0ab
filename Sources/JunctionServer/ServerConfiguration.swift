import Configuration
import Foundation
import JunctionConnectors
import JunctionCore
import JunctionRuntime
import SystemPackage

/// Who the platform key may see.
public enum ServerMode: String, Sendable, Hashable, CaseIterable {
    /// One organisation's own deployment: the platform key sees every tenant.
    case invpc
    /// A shared service: the platform key manages tenants and keys but reads no tenant's data.
    case saas
}

/// How a Junction server runs. Read with apple/swift-configuration: command-line flags over
/// `JUNCTION_*` environment variables over `junction.yaml` over the defaults documented here.
public struct ServerConfiguration: Sendable {
    /// The address to listen on. Default `127.0.0.1`.
    public var host: String = "127.0.0.1"
    /// The port; `0` picks any free port. Default `8080`.
    public var port: Int = 8080
    /// Where the database, master key and admin key live. Default `./junction-data`.
    public var dataDirectory: String = "./junction-data"
    /// Whom the platform key may see. Default `invpc`.
    public var mode: ServerMode = .invpc
    /// The largest request body accepted, in bytes. Default 1 MiB.
    public var maxBodyBytes: Int = 1 << 20
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
    /// Which programs `mcp` connectors may start as stdio MCP servers (`mcp_commands`, comma
    /// separated; `*` for any). Default: none — starting a program runs code on this host.
    public var mcpCommands = MCPCommandPolicy()
    /// How many agent runs execute at once. Default 4.
    public var runWorkers = 4
    /// How long a worker's claim on a run holds without renewal: after a crash, runs are taken
    /// again once it has passed. Default 30 s.
    public var runLease: Duration = .seconds(30)
    /// How long an MCP session at `/mcp` lives without requests. Default 1 hour.
    public var mcpSessionIdleTimeout: Duration = .seconds(3600)
    /// The URL clients reach this server at (behind a proxy, say), for the `webhook_url` of
    /// webhook connectors. Default: `http://` and each request's `Host`.
    public var publicURL: String?

    public init() {}

    /// The configuration from the environment (`JUNCTION_HOST`, `JUNCTION_PORT`,
    /// `JUNCTION_DATA_DIR`, `JUNCTION_MODE`, `JUNCTION_MAX_BODY_BYTES`, `JUNCTION_MASTER_KEY`,
    /// `JUNCTION_SECRET_ENV_PREFIX`, `JUNCTION_SECRET_FILES_DIR`, `JUNCTION_CONNECTOR_CACHE_TTL_MS`, `JUNCTION_NETWORK_DENY`, `JUNCTION_NETWORK_ALLOW`, `JUNCTION_MCP_COMMANDS`,
    /// `JUNCTION_MCP_SESSION_IDLE_MS`, `JUNCTION_RUN_WORKERS`, `JUNCTION_RUN_LEASE_MS`, `JUNCTION_PUBLIC_URL`) over the YAML file at
    /// `configFile` (the same keys in snake case without the prefix, e.g. `data_dir`; default
    /// `./junction.yaml`, optional unless named). Command-line flags
    /// are applied over the result by the caller.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        configFile: String? = nil
    ) async throws -> ServerConfiguration {
        let path = configFile ?? environment["JUNCTION_CONFIG"] ?? "junction.yaml"
        let file = try await FileProvider<YAMLSnapshot>(
            filePath: FilePath(path), allowMissing: configFile == nil && environment["JUNCTION_CONFIG"] == nil)
        let reader = ConfigReader(providers: [
            EnvironmentVariablesProvider(
                environmentVariables: environment,
                secretsSpecifier: .specific(["JUNCTION_MASTER_KEY"])
            ).prefixKeys(with: "junction"),
            file,
        ])
        var configuration = ServerConfiguration()
        configuration.host = reader.string(forKey: "host", default: configuration.host)
        configuration.port = try Self.integer(reader, "port", default: configuration.port, in: 0...65535)
        configuration.dataDirectory = reader.string(forKey: "data_dir", default: configuration.dataDirectory)
        let mode = reader.string(forKey: "mode", default: configuration.mode.rawValue)
        guard let parsedMode = ServerMode(rawValue: mode) else {
            throw JunctionError.invalidInput("mode must be one of: invpc, saas.", field: "mode")
        }
        configuration.mode = parsedMode
        configuration.maxBodyBytes = try Self.integer(
            reader, "max_body_bytes", default: configuration.maxBodyBytes, in: 1024...(1 << 30))
        configuration.masterKey = reader.string(forKey: "master_key", isSecret: true)
        configuration.secretReferences.environmentPrefix = reader.string(
            forKey: "secret_env_prefix", default: configuration.secretReferences.environmentPrefix)
        configuration.secretReferences.fileDirectory = reader.string(forKey: "secret_files_dir")
        configuration.connectorCacheTTL = .milliseconds(try Self.integer(
            reader, "connector_cache_ttl_ms", default: 30_000, in: 0...86_400_000))
        configuration.networkPolicy.denied += try Self.blocks(reader, "network_deny")
        configuration.networkPolicy.allowed = try Self.blocks(reader, "network_allow")
        configuration.mcpCommands.allowedCommands = (reader.string(forKey: "mcp_commands") ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        configuration.runWorkers = try Self.integer(reader, "run_workers", default: configuration.runWorkers, in: 1...256)
        configuration.runLease = .milliseconds(try Self.integer(reader, "run_lease_ms", default: 30_000, in: 1000...3_600_000))
        configuration.mcpSessionIdleTimeout = .milliseconds(try Self.integer(
            reader, "mcp_session_idle_ms", default: 3_600_000, in: 1000...604_800_000))
        if let url = reader.string(forKey: "public_url") {
            try URLCheck.check(url, schemes: ["http", "https"], field: "public_url")
            configuration.publicURL = url
        }
        return configuration
    }

    /// A comma-separated list of CIDR blocks.
    private static func blocks(_ reader: ConfigReader, _ key: String) throws -> [CIDR] {
        guard let text = reader.string(forKey: ConfigKey(key)) else { return [] }
        return try text.split(separator: ",").map { item in
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard let block = CIDR(trimmed) else {
                throw JunctionError.invalidInput("'\(trimmed)' is not a CIDR block (e.g. 10.0.0.0/8).", field: key)
            }
            return block
        }
    }

    private static func integer(_ reader: ConfigReader, _ key: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = reader.string(forKey: ConfigKey(key)) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw JunctionError.invalidInput("\(key) must be an integer from \(range.lowerBound) to \(range.upperBound).", field: key)
        }
        return number
    }
}
