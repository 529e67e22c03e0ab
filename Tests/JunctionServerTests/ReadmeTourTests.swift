import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JunctionTesting
import Testing

/// README's "A first run", run as written: every block marked `<!-- tour -->` in order, in one
/// bash script, against the `junction` executable this build made, from a scratch copy of the
/// repository's `examples/` (the tour's ports moved to free ones). A step that fails stops the
/// script (`set -e`, `curl --fail-with-body`, `jq -e`), and so fails this test.
@Suite struct ReadmeTourTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var toolsAvailable: Bool {
        ["jq", "curl", "python3"].allSatisfy { tool in
            (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
                .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
        }
    }

    /// The code of every fenced block that follows a `<!-- tour -->` line.
    static func tourBlocks(_ readme: String) -> [String] {
        var blocks: [String] = []
        var lines = readme.components(separatedBy: "\n")[...]
        while let line = lines.popFirst() {
            guard line.trimmingCharacters(in: .whitespaces) == "<!-- tour -->" else { continue }
            guard lines.popFirst()?.hasPrefix("```") == true else { continue }
            var block: [String] = []
            while let code = lines.popFirst(), !code.hasPrefix("```") { block.append(code) }
            blocks.append(block.joined(separator: "\n"))
        }
        return blocks
    }

    /// Runs `script` with bash (spawned directly: Foundation's Process can miss the exit of a
    /// child that leaves background jobs behind) and answers its exit status; killed after `limit`.
    static func bash(_ script: String, environment: [String: String], limit: Duration) throws -> Int32 {
        var pid: pid_t = 0
        let arguments = ["/bin/bash", "-c", script]
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // The tour starts with no signal blocked or ignored (a test process's threads block some,
        // and a child inherits that): `kill %1 %2` must stop what it started.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        var all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let spawned = posix_spawn(&pid, "/bin/bash", nil, &attributes, argv, envp)
        guard spawned == 0 else { throw HarnessError("posix_spawn failed: \(spawned)") }
        let deadline = ContinuousClock.now + limit
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return -1
            }
            usleep(50_000)
        }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    @Test func theTourHasItsBlocks() throws {
        let blocks = Self.tourBlocks(try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8))
        #expect(blocks.count >= 6, "README marks its tour blocks with <!-- tour -->")
        #expect(blocks.first?.contains("junction serve") == true)
    }

    @Test(
        .enabled(if: ServeProcessTests.executable != nil, "needs the junction executable built by swift build"),
        .enabled(if: toolsAvailable, "needs jq, curl and python3 (scripts/test installs them)"))
    func theTourRunsAsWritten() throws {
        let executable = try #require(ServeProcessTests.executable)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-tour-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (serverPort, apiPort) = (try PythonPeer.freePort(), try PythonPeer.freePort())
        func moved(_ text: String) -> String {
            text.replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:\(serverPort)")
                .replacingOccurrences(of: "127.0.0.1:9000", with: "127.0.0.1:\(apiPort)")
                .replacingOccurrences(of: "http.server 9000", with: "http.server \(apiPort)")
        }
        try FileManager.default.copyItem(
            at: Self.repository.appendingPathComponent("examples"), to: directory.appendingPathComponent("examples"))
        let openAPI = directory.appendingPathComponent("examples/billing-openapi.yaml")
        try moved(try String(contentsOf: openAPI, encoding: .utf8)).write(to: openAPI, atomically: true, encoding: .utf8)

        let readme = try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let script = """
            set -euo pipefail
            export PATH="\(executable.deletingLastPathComponent().path):$PATH"
            trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
            \(moved(Self.tourBlocks(readme).joined(separator: "\n")))
            """
        // The tour is a new user's: no Junction settings from this environment.
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("JUNCTION_") }
        environment["JUNCTION_PORT"] = String(serverPort)
        environment["JUNCTION_URL"] = "http://127.0.0.1:\(serverPort)"
        let output = directory.appendingPathComponent("tour.out")
        let status = try Self.bash("cd '\(directory.path)' && exec > tour.out 2>&1\n" + script, environment: environment, limit: .seconds(120))
        let printed = try String(contentsOf: output, encoding: .utf8)
        let log = (try? String(contentsOf: directory.appendingPathComponent("junction.log"), encoding: .utf8)) ?? ""
        #expect(status == 0, "the tour stopped:\n\(printed.suffix(4000))\n-- junction.log:\n\(log.suffix(2000))")
        #expect(printed.contains("\"name\":\"Ana Lima\""), "the invoke reached the example API")
        #expect(printed.contains("invalid_input"), "the bad input is refused")
        #expect(printed.contains("api-contabil__get-customer"), "the resources are tools")
        #expect(log.contains("Next steps"), "the server says what to do next")
        #expect(log.contains("Web console: http://127.0.0.1:\(serverPort)/console"), "the server names its console")
    }
}
