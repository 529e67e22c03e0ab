import ArgumentParser
import Foundation
import JunctionRuntime
import Logging

/// Where a command that opens the data directory itself finds its configuration.
struct LocalConfigurationOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (env JUNCTION_DATA_DIR; default ./junction-data).")
    var dataDirectory: String?

    @Option(help: "YAML configuration file (env JUNCTION_CONFIG; default ./junction.yaml if present).")
    var config: String?

    /// Whether either option was given.
    var isGiven: Bool { dataDirectory != nil || config != nil }

    /// The runtime's configuration from the file and environment, with `--data-dir` over them.
    func loadRuntime() async throws -> Runtime.Configuration {
        var configuration = try await Runtime.Configuration.load(configFile: config)
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        return configuration
    }
}

/// Sends logs to standard error at `JUNCTION_LOG_LEVEL`, or `defaultLevel` when it is unset.
func bootstrapLogging(defaultLevel: Logger.Level) {
    let level = ProcessInfo.processInfo.environment["JUNCTION_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
    LoggingSystem.bootstrap { label in
        DeferredMetadataLogHandler(label: label, level: level ?? defaultLevel)
    }
}
