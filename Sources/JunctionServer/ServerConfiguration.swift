import Configuration
import Foundation
import JunctionCore
import JunctionMCP
import JunctionRuntime

/// Who the platform key may see.
public enum ServerMode: String, Sendable, Hashable, CaseIterable {
    /// One organisation's own deployment: the platform key sees every tenant.
    case invpc
    /// A shared service: the platform key manages tenants and keys but reads no tenant's data.
    case saas
}

/// How a Junction server runs: its own HTTP settings, composed with the runtime's and the MCP
/// endpoint's configurations. Read with apple/swift-configuration: command-line flags over
/// `JUNCTION_*` environment variables over `junction.yaml` over the defaults documented here
/// and in the composed configurations.
public struct ServerConfiguration: Sendable {
    /// The address to listen on. Default `127.0.0.1`.
    public var host: String = "127.0.0.1"
    /// The port; `0` picks any free port. Default `8080`.
    public var port: Int = 8080
    /// Whom the platform key may see. Default `invpc`.
    public var mode: ServerMode = .invpc
    /// The largest request body accepted, in bytes. Default 1 MiB.
    public var maxBodyBytes: Int = 1 << 20
    /// The largest API description accepted by `POST /api/v1/templates/import`, in bytes
    /// (published ones reach several megabytes). Default 32 MiB.
    public var maxImportBytes: Int = 32 << 20
    /// How long a connection may send nothing before it is closed: while its request's
    /// headers or body are due, and between requests on a kept-alive connection (not while
    /// its answer is being worked out or streamed). Default 30 s.
    public var idleTimeout: Duration = .seconds(30)
    /// How long a request's whole body may take to arrive (408 `request_timeout` past it).
    /// Default 60 s.
    public var requestBodyTimeout: Duration = .seconds(60)
    /// How long a request head may take to arrive from its first byte before the connection is
    /// closed (a client sending its headers a byte at a time is never idle). Default 10 s.
    public var requestHeaderTimeout: Duration = .seconds(10)
    /// How many connections may be open before each new one closes the one idle the longest
    /// (busy ones are never closed; past an eighth more, new ones wait to be accepted).
    /// Default: half the open-file limit, at most 4096 (`junction serve` first raises the
    /// limit to the system's hard limit).
    public var maxConnections: Int?
    /// How many connections may wait to be accepted (the listen backlog, capped by the
    /// system's `somaxconn`). Default 1024.
    public var listenBacklog = 1024
    /// The URL clients reach this server at (behind a proxy, say), for the `webhook_url` of
    /// webhook connectors. Default: `http://` and each request's `Host`.
    public var publicURL: String?
    /// The runtime: data directory, secrets, network policy, run workers (see `Runtime.Configuration`).
    public var runtime = Runtime.Configuration()
    /// The MCP endpoint's sessions (see `MCPSessions.Configuration`).
    public var mcp = MCPSessions.Configuration()
    /// The web console at `/console`.
    public var console = Console()

    /// The web console's settings.
    public struct Console: Sendable {
        /// Whether the server serves the console (and `/` sends browsers to it). Default `true`.
        public var enabled = true
        /// How long a console session lasts without use. Default 30 minutes.
        public var sessionIdleTimeout: Duration = .seconds(1800)
        /// How long a console session lasts however much it is used. Default 12 hours.
        public var sessionMaximumAge: Duration = .seconds(43_200)

        public init() {}
    }

    public init() {}

    /// The connection limit in effect: `maxConnections`, or half of `openFiles` (the process's
    /// open-file limit), at most 4096 and at least 64.
    public func connectionLimit(openFiles: Int?) -> Int {
        maxConnections ?? min(4096, max(64, (openFiles ?? 8192) / 2))
    }

    /// The configuration from the environment and the YAML file at `configFile` (see
    /// `ConfigurationSource`): `host`, `port`, `mode`, `max_body_bytes`, `max_import_bytes`, `http_idle_timeout_ms`,
    /// `request_body_timeout_ms`, `request_header_timeout_ms`, `max_connections`, `listen_backlog`, `public_url`,
    /// `mcp_session_idle_ms`, `mcp_max_sessions`, `mcp_max_sessions_per_tenant`, `console_enabled`,
    /// `console_session_idle_ms`, `console_session_max_ms` and the runtime's
    /// keys. Command-line flags are applied over the result by the caller.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment, configFile: String? = nil
    ) async throws -> ServerConfiguration {
        let reader = try await ConfigurationSource.reader(environment: environment, configFile: configFile)
        var configuration = ServerConfiguration()
        configuration.host = reader.string(forKey: "host", default: configuration.host)
        configuration.port = try reader.integer("port", default: configuration.port, in: 0...65535)
        let mode = reader.string(forKey: "mode", default: configuration.mode.rawValue)
        guard let parsedMode = ServerMode(rawValue: mode) else {
            throw JunctionError.invalidInput("mode must be one of: invpc, saas.", field: "mode")
        }
        configuration.mode = parsedMode
        configuration.maxBodyBytes = try reader.integer("max_body_bytes", default: configuration.maxBodyBytes, in: 1024...(1 << 30))
        configuration.maxImportBytes = try reader.integer(
            "max_import_bytes", default: configuration.maxImportBytes, in: 1024...(1 << 30))
        configuration.idleTimeout = try reader.milliseconds(
            "http_idle_timeout_ms", default: configuration.idleTimeout, in: 100...3_600_000)
        configuration.requestBodyTimeout = try reader.milliseconds(
            "request_body_timeout_ms", default: configuration.requestBodyTimeout, in: 100...3_600_000)
        configuration.requestHeaderTimeout = try reader.milliseconds(
            "request_header_timeout_ms", default: configuration.requestHeaderTimeout, in: 100...3_600_000)
        if reader.string(forKey: "max_connections") != nil {
            configuration.maxConnections = try reader.integer("max_connections", default: 0, in: 1...1_000_000)
        }
        configuration.listenBacklog = try reader.integer("listen_backlog", default: configuration.listenBacklog, in: 1...65535)
        if let url = reader.string(forKey: "public_url") {
            try URLCheck.check(url, schemes: ["http", "https"], field: "public_url")
            configuration.publicURL = url
        }
        configuration.mcp.idleTimeout = try reader.milliseconds(
            "mcp_session_idle_ms", default: configuration.mcp.idleTimeout, in: 1000...604_800_000)
        configuration.mcp.maximumSessions = try reader.integer(
            "mcp_max_sessions", default: configuration.mcp.maximumSessions, in: 1...1_000_000)
        configuration.mcp.maximumSessionsPerTenant = try reader.integer(
            "mcp_max_sessions_per_tenant", default: configuration.mcp.maximumSessionsPerTenant, in: 1...1_000_000)
        configuration.console.enabled = reader.bool(forKey: "console_enabled", default: configuration.console.enabled)
        configuration.console.sessionIdleTimeout = try reader.milliseconds(
            "console_session_idle_ms", default: configuration.console.sessionIdleTimeout, in: 60_000...604_800_000)
        configuration.console.sessionMaximumAge = try reader.milliseconds(
            "console_session_max_ms", default: configuration.console.sessionMaximumAge, in: 60_000...2_592_000_000)
        configuration.runtime = try Runtime.Configuration(reading: reader)
        return configuration
    }
}
