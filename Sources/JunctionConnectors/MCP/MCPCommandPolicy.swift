import Foundation
import JunctionCore

/// Which programs `mcp` connectors may start as stdio MCP servers. Starting a program is
/// running code on the Junction host, so nothing is allowed unless the operator lists it
/// (`mcp_commands` in the server configuration).
public struct MCPCommandPolicy: Sendable, Hashable {
    /// Allowed `command` values, compared exactly; `*` allows any.
    public var allowedCommands: [String]

    public init(allowedCommands: [String] = []) {
        self.allowedCommands = allowedCommands
    }

    /// Refuses a command the operator did not allow, naming `options.command`.
    public func check(_ command: String) throws(JunctionError) {
        guard allowedCommands.contains("*") || allowedCommands.contains(command) else {
            throw .invalidInput(
                "The command '\(command.prefix(200))' is not allowed: the operator lists allowed MCP server commands in mcp_commands.",
                field: "options.command")
        }
    }

    /// The executable for `command`: a path as is, a bare name searched in `PATH`.
    static func executable(_ command: String, path: String?) throws(JunctionError) -> URL {
        if command.contains("/") { return URL(fileURLWithPath: command) }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(command)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw .invalidInput("The command '\(command.prefix(200))' was not found in PATH.", field: "options.command")
    }
}

/// The `ServiceValues` key of the operator's MCP command policy.
public enum MCPCommandPolicyKey: ServiceKey {
    public typealias Value = MCPCommandPolicy
}
