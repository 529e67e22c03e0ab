import ArgumentParser
import Foundation
import Hummingbird
import JunctionRuntime
import JunctionServer
import Logging
import UnixSignals

/// `junction serve`: runs the server until SIGTERM or SIGINT, then shuts down gracefully.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Junction server.",
        discussion: """
            Settings come from flags, then JUNCTION_* environment variables, then junction.yaml, then defaults.
            On first start the data directory is created with a SQLite database, a 0600 master key file and
            a platform admin key, which is printed once and saved to admin.key.
            """
    )

    @Option(help: "Address to listen on (env JUNCTION_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free port (env JUNCTION_PORT; default 8080).")
    var port: Int?

    @Option(help: "invpc (platform key sees all tenants) or saas (env JUNCTION_MODE; default invpc).")
    var mode: String?

    @OptionGroup var local: LocalConfigurationOptions

    func run() async throws {
        bootstrapLogging(defaultLevel: .info)
        // Large answers' buffers go back to the system when they are freed.
        MemoryRelease.mapAllocations()
        // Each connection takes an open file: a service's default soft limit (often 1,024) is
        // far below what the system allows it.
        OpenFileLimit.raiseToHardLimit()
        var configuration = try await local.load()
        if let host { configuration.host = host }
        if let port {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535.") }
            configuration.port = port
        }
        if let mode {
            guard let parsed = ServerMode(rawValue: mode) else { throw ValidationError("--mode must be invpc or saas.") }
            configuration.mode = parsed
        }
        try await withJunctionServer(configuration) { junction in
            let bootstrap = junction.runtime.bootstrap
            let directory = configuration.runtime.dataDirectory
            say("Junction data directory: \(directory) (mode \(configuration.mode.rawValue))")
            if bootstrap.createdMasterKey {
                say("Created master key file \(directory)/master.key (0600). Back it up: secrets cannot be read without it.")
            }
            if let adminKey = bootstrap.createdAdminKey {
                say("Platform admin API key (shown once, saved to \(bootstrap.adminKeyPath)):")
                say("  \(adminKey)")
            }
            let (console, publicURL) = (configuration.console.enabled, configuration.publicURL)
            let app = junction.application(logger: Logger(label: "junction")) { url in
                say("Junction listening on \(url)")
                if console {
                    let shown = (publicURL ?? url).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                    say("Web console: \(shown)/console (sign in with an API key, such as the admin key in \(bootstrap.adminKeyPath))")
                }
                say(Self.nextSteps(url: url, adminKeyPath: bootstrap.adminKeyPath, dataDirectory: directory))
            }
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        }
        say("Junction stopped.")
    }

    /// What to do next, printed once the server listens.
    static func nextSteps(url: String, adminKeyPath: String, dataDirectory: String) -> String {
        let absolute = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        return """

            Next steps (in another terminal, in this directory):
              junction tenants create acme                # a tenant and its first API key
              junction connector-types                    # what you can connect
              curl -s \(url)/health
            The CLI finds the server at \(url) and the admin key in \(adminKeyPath) by itself
            (or set JUNCTION_URL and JUNCTION_API_KEY).
            MCP for a desktop agent: {"command": "junction", "args": ["mcp", "--tenant", "acme", "--data-dir", "\(absolute)"]}
            Stop with Ctrl-C.
            """
    }
}

/// Writes a line to standard output at once (unbuffered), so supervisors and scripts reading a
/// pipe see it immediately.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

extension LocalConfigurationOptions {
    /// The server's configuration from the file and environment, with `--data-dir` over them.
    func load() async throws -> ServerConfiguration {
        var configuration = try await ServerConfiguration.load(configFile: config)
        if let dataDirectory { configuration.runtime.dataDirectory = dataDirectory }
        return configuration
    }
}
