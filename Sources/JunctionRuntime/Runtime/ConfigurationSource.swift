import Configuration
import Foundation
import JunctionCore
import SystemPackage

/// Where Junction's settings come from: `JUNCTION_*` environment variables over a YAML file
/// (`./junction.yaml` unless named) over each setting's documented default. Command-line flags
/// are applied over the result by the command that reads them.
public enum ConfigurationSource {
    /// A reader over `environment` and the YAML file at `configFile` (else `JUNCTION_CONFIG`,
    /// else `./junction.yaml`, which may be missing unless it was named).
    public static func reader(
        environment: [String: String] = ProcessInfo.processInfo.environment, configFile: String? = nil
    ) async throws -> ConfigReader {
        let named = configFile ?? environment["JUNCTION_CONFIG"]
        let file = try await FileProvider<YAMLSnapshot>(filePath: FilePath(named ?? "junction.yaml"), allowMissing: named == nil)
        return ConfigReader(providers: [
            EnvironmentVariablesProvider(
                environmentVariables: environment, secretsSpecifier: .specific(["JUNCTION_MASTER_KEY"])
            ).prefixKeys(with: "junction"),
            file,
        ])
    }
}

extension ConfigReader {
    /// The integer at `key` within `range`, or `value` when unset; `invalid_input` naming the key otherwise.
    public func integer(_ key: String, default value: Int, in range: ClosedRange<Int>) throws(JunctionError) -> Int {
        guard let text = string(forKey: ConfigKey(key)) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw .invalidInput("\(key) must be an integer from \(range.lowerBound) to \(range.upperBound).", field: key)
        }
        return number
    }

    /// A duration given in whole milliseconds at `key` (named `…_ms`), or `value` when unset.
    public func milliseconds(_ key: String, default value: Duration, in range: ClosedRange<Int>) throws(JunctionError) -> Duration {
        .milliseconds(try integer(key, default: value.wholeMilliseconds, in: range))
    }

    /// A comma-separated list at `key`, items trimmed, empty ones dropped.
    public func list(_ key: String) -> [String] {
        (string(forKey: ConfigKey(key)) ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A comma-separated list of CIDR blocks at `key`.
    public func blocks(_ key: String) throws(JunctionError) -> [CIDR] {
        var blocks: [CIDR] = []
        for item in list(key) {
            guard let block = CIDR(item) else {
                throw .invalidInput("'\(item.prefix(80))' is not a CIDR block (e.g. 10.0.0.0/8).", field: key)
            }
            blocks.append(block)
        }
        return blocks
    }
}
