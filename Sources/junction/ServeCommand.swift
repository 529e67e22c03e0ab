import ArgumentParser
import Foundation
import Hummingbird
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
        let junction = try await JunctionApplication(configuration: configuration)
        let logger = Logger(label: "junction")
        say("Junction data directory: \(configuration.dataDirectory) (mode \(configuration.mode.rawValue))")
        if junction.bootstrap.createdMasterKey {
            say("Created master key file \(configuration.dataDirectory)/master.key (0600). Back it up: secrets cannot be read without it.")
        }
        if let adminKey = junction.bootstrap.createdAdminKey {
            say("Platform admin API key (shown once, saved to \(junction.bootstrap.adminKeyPath)):")
            say("  \(adminKey)")
        }
        let app = junction.application(logger: logger) { url in
            say("Junction listening on \(url)")
        }
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        say("Junction stopped.")
    }
}

/// Writes a line to standard output at once (unbuffered), so supervisors and scripts reading a
/// pipe see it immediately.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Sends logs to standard error at `JUNCTION_LOG_LEVEL`, or `defaultLevel` when it is unset.
/// Where a command that opens the data directory itself finds its configuration.
struct LocalConfigurationOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (env JUNCTION_DATA_DIR; default ./junction-data).")
    var dataDirectory: String?

    @Option(help: "YAML configuration file (env JUNCTION_CONFIG; default ./junction.yaml if present).")
    var config: String?

    /// Whether either option was given.
    var isGiven: Bool { dataDirectory != nil || config != nil }

    /// The configuration file and environment, with `--data-dir` over them.
    func load() async throws -> ServerConfiguration {
        var configuration = try await ServerConfiguration.load(configFile: config)
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        return configuration
    }
}

func bootstrapLogging(defaultLevel: Logger.Level) {
    let level = ProcessInfo.processInfo.environment["JUNCTION_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
    LoggingSystem.bootstrap { label in
        DeferredMetadataLogHandler(label: label, level: level ?? defaultLevel)
    }
}
