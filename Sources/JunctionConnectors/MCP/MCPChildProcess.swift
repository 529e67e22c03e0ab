import Foundation
import JunctionCore
#if canImport(Glibc)
import Glibc
#endif

/// A stdio MCP server started for one connector: the process and its pipes.
///
/// `@unchecked Sendable`: `Process` is not `Sendable`; it is configured and started in `init`
/// and afterwards only asked `isRunning` and terminated, which Foundation makes thread-safe.
final class MCPChildProcess: @unchecked Sendable {
    private let process = Process()
    /// The server's standard input (written by the client).
    let input = Pipe()
    /// The server's standard output (read by the client).
    let output = Pipe()

    /// Starts `executable` with `arguments` and only `environment` (never Junction's own
    /// environment, which may hold its master key); standard error is discarded.
    init(executable: URL, arguments: [String], environment: [String: String]) throws {
        _ = MCPLineTransport.ignoreBrokenPipes
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw JunctionError(.connectionRefused, "The MCP server command could not start: \(error.localizedDescription)")
        }
    }

    /// Whether the server still runs.
    var isRunning: Bool { process.isRunning }

    /// Asks the server to stop (SIGTERM), then kills it if it is still running a moment later.
    func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        // The process is asked again by the object (not by a pid another process may reuse).
        let stubborn = Stubborn(process: process)
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) {
            if stubborn.process.isRunning { kill(stubborn.process.processIdentifier, SIGKILL) }
        }
    }

    /// Carries the process to the delayed kill; see the type's note on `Sendable`.
    private struct Stubborn: @unchecked Sendable {
        let process: Process
    }

    deinit { terminate() }
}
