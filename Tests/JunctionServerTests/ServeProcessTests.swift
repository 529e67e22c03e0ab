import Foundation
import JunctionClient
import JunctionCore
import JunctionTesting
import Testing

/// Runs the real `junction` executable: `serve` on a fresh directory, then the CLI against it.
@Suite(.serialized) struct ServeProcessTests {
    /// The `junction` executable built beside the test bundle.
    static var executable: URL? {
        var directory = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("junction")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    /// A running `junction serve` child process and the lines it printed.
    final class Server: @unchecked Sendable {  // Mutated only under `lock`.
        let process = Process()
        let directory: URL
        private let lock = NSLock()
        private var output = ""

        init(executable: URL, directory: URL, environment extra: [String: String] = [:]) throws {
            self.directory = directory
            process.executableURL = executable
            process.arguments = ["serve", "--port", "0"]
            process.currentDirectoryURL = directory
            var environment = ProcessInfo.processInfo.environment
            environment.removeValue(forKey: "JUNCTION_MASTER_KEY")
            environment.removeValue(forKey: "JUNCTION_DATA_DIR")
            environment.removeValue(forKey: "JUNCTION_PORT")
            environment["JUNCTION_LOG_LEVEL"] = "trace"
            environment.merge(extra) { _, new in new }
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self, !data.isEmpty else { return }
                self.lock.withLock { self.output += String(decoding: data, as: UTF8.self) }
            }
            try process.run()
        }

        var printed: String { lock.withLock { output } }

        /// Waits (bounded) until the server prints its URL.
        func url() async throws -> String {
            for _ in 0..<300 {
                if let line = printed.split(separator: "\n").first(where: { $0.hasPrefix("Junction listening on ") }) {
                    return String(line.dropFirst("Junction listening on ".count))
                }
                guard process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw HarnessFailure("junction serve printed no URL: \(printed)")
        }

        /// Kills the server outright (SIGKILL), as a crash would, and waits for it to be gone.
        func kill9() async throws {
            kill(process.processIdentifier, SIGKILL)
            for _ in 0..<200 where process.isRunning {
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        /// Sends SIGTERM and waits (bounded) for the exit status.
        func terminate() async throws -> Int32 {
            process.terminate()
            for _ in 0..<200 where process.isRunning {
                try await Task.sleep(for: .milliseconds(50))
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                throw HarnessFailure("junction serve ignored SIGTERM")
            }
            return process.terminationStatus
        }
    }

    struct HarnessFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs the CLI and returns its exit status and standard output.
    static func cli(_ arguments: [String], url: String, key: String?, input: String? = nil) throws -> (Int32, String, String) {
        guard let executable else { throw HarnessFailure("no junction executable") }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["JUNCTION_URL"] = url
        environment["JUNCTION_API_KEY"] = key
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test(.enabled(if: executable != nil, "needs the junction executable built by swift build"))
    func mcpOverStdioRefusesMissingDataUnknownTenantsAndBadOptions() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-mcp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // No database: nothing is created, and the message says what to do.
        let (noData, _, noDataErrors) = try Self.cli(["mcp", "--tenant", "acme", "--data-dir", directory.path], url: "", key: nil)
        #expect(noData != 0)
        #expect(noDataErrors.contains("No Junction database"), "\(noDataErrors)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("junction.sqlite").path))
        let (badMode, _, badModeErrors) = try Self.cli(
            ["mcp", "--tenant", "acme", "--data-dir", directory.path, "--tools", "some"], url: "", key: nil)
        #expect(badMode != 0)
        #expect(badModeErrors.contains("--tools must be all or meta"), "\(badModeErrors)")
        // A real data directory, but no such tenant.
        try await withJunction(dataDirectory: directory) { _ in }
        let (unknown, _, unknownErrors) = try Self.cli(["mcp", "--tenant", "nobody", "--data-dir", directory.path], url: "", key: nil)
        #expect(unknown != 0)
        #expect(unknownErrors.contains("No tenant 'nobody'"), "\(unknownErrors)")
        // The relay mode's options.
        let refusals: [([String], String?, String)] = [
            (["mcp", "--data-dir", directory.path], nil, "There is no tenant yet: create one with `junction tenants create NAME`"),
            (["mcp", "--tenant", "acme", "--key", "jk_x_y"], nil, "--key applies only with --url"),
            (["mcp", "--url", "http://127.0.0.1:1", "--data-dir", directory.path], "jk_x_y", "they do not apply with --url"),
            (["mcp", "--url", "ftp://127.0.0.1"], "jk_x_y", "--url must be an http or https URL"),
            (["mcp", "--url", "http://127.0.0.1:1"], nil, "No API key"),
        ]
        for (arguments, key, message) in refusals {
            let (status, _, errors) = try Self.cli(arguments, url: "", key: key)
            #expect(status != 0, "\(arguments)")
            #expect(errors.contains(message), "\(arguments): \(errors)")
        }
    }

    @Test(.enabled(if: executable != nil, "needs the junction executable built by swift build"))
    func agentsAreAppliedFromFilesAndLinkedWithTheCLI() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-agents-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try Server(executable: try #require(Self.executable), directory: directory)
        let url = try await server.url()
        let adminKey = try String(contentsOf: directory.appendingPathComponent("junction-data/admin.key"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let (_, tenantOut, _) = try Self.cli(["tenants", "create", "acme", "--json"], url: url, key: adminKey)
        let key = try #require(try JSONCoding.decode(Array(tenantOut.utf8))["api_key"]?.stringValue)

        let file = directory.appendingPathComponent("triage.yaml")
        try "name: triage\ntype: llm\nmodel: openai/gpt-4o-mini\ntools: [crm]\n".write(to: file, atomically: true, encoding: .utf8)
        let (applied, appliedOut, appliedErr) = try Self.cli(["agents", "apply", file.path], url: url, key: key)
        #expect(applied == 0, "\(appliedErr)")
        #expect(appliedOut.contains("openai/gpt-4o-mini"))
        try "name: triage\ntype: llm\nmodel: anthropic/claude-sonnet-4-5\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try Self.cli(["agents", "apply", file.path], url: url, key: key).0 == 0)
        let (_, listOut, _) = try Self.cli(["agents", "list"], url: url, key: key)
        #expect(listOut.contains("triage"))
        #expect(listOut.contains("anthropic/claude-sonnet-4-5"))
        #expect(!listOut.contains("openai/gpt-4o-mini"), "replaced, not added")

        // A bad file: the server's error names the field and the file's line.
        try "name: triage\ntype: llm\nmodel: openai/x\nmax_steps: 0\n".write(to: file, atomically: true, encoding: .utf8)
        let (bad, _, badErr) = try Self.cli(["agents", "apply", file.path], url: url, key: key)
        #expect(bad == 1)
        #expect(badErr.contains("max_steps"), "\(badErr)")
        #expect(badErr.contains(#""line":4"#), "\(badErr)")
        let (unreadable, _, unreadableErr) = try Self.cli(["agents", "apply", directory.appendingPathComponent("none.yaml").path], url: url, key: key)
        #expect(unreadable != 0)
        #expect(unreadableErr.contains("Cannot read"))

        #expect(try Self.cli(["connectors", "create", "hook", "--type", "http", "--connection-url", "https://api.example.com"], url: url, key: key).0 == 0)
        let (linked, linkedOut, _) = try Self.cli(["agents", "link", "triage", "hook"], url: url, key: key)
        #expect(linked == 0)
        #expect(linkedOut.contains("Linked agent triage and connector hook"))
        let (_, getOut, _) = try Self.cli(["agents", "get", "triage"], url: url, key: key)
        #expect(try JSONCoding.decode(Array(getOut.utf8))["links"] == [["connector": "hook", "connector_type": "http"]])
        // A run of an agent that cannot be served yet still ends, with its reason.
        try "name: echo\ntype: workflow\nsteps:\n  - id: call\n    connector: hook\n    resource: nope\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try Self.cli(["agents", "apply", file.path], url: url, key: key).0 == 0)
        let (started, startedOut, startedErr) = try Self.cli(["agents", "run", "echo", "--input", #"{"n":1}"#], url: url, key: key)
        #expect(started == 0, "\(startedErr)")
        let runID = try #require(startedOut.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("run_") }.map(String.init), "\(startedOut)")
        var status = ""
        for _ in 0..<200 where status != "failed" {
            let (_, runOut, _) = try Self.cli(["runs", "get", runID], url: url, key: key)
            status = try JSONCoding.decode(Array(runOut.utf8))["status"]?.stringValue ?? ""
            if status != "failed" { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(status == "failed", "no resource 'nope'")
        let (_, runsOut, _) = try Self.cli(["runs", "list", "--agent", "echo", "--status", "failed"], url: url, key: key)
        #expect(runsOut.contains(runID))
        #expect(try Self.cli(["agents", "unlink", "triage", "hook"], url: url, key: key).0 == 0)
        #expect(try Self.cli(["agents", "delete", "triage"], url: url, key: key).0 == 0)
        let (gone, _, goneErr) = try Self.cli(["agents", "get", "triage"], url: url, key: key)
        #expect(gone == 1)
        #expect(goneErr.contains("not_found"))
        #expect(try await server.terminate() == 0)
    }

    /// The run `id`'s JSON once `done` holds for it, asking the CLI every 50 ms for up to 20 s.
    static func run(_ id: String, url: String, key: String, until done: (JSONValue) -> Bool) async throws -> JSONValue {
        for _ in 0..<400 {
            let (_, out, _) = try cli(["runs", "get", id], url: url, key: key)
            if let run = try? JSONCoding.decode(Array(out.utf8)), done(run) { return run }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessFailure("run \(id) never reached the expected state")
    }

    @Test(.enabled(if: executable != nil, "needs the junction executable built by swift build"))
    func aRunCutShortByKillNineRunsAgainAfterRestart() async throws {
        try await UpstreamServer.with { upstream in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-kill-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let executable = try #require(Self.executable)
            let lease = ["JUNCTION_RUN_LEASE_MS": "1500"]
            let server = try Server(executable: executable, directory: directory, environment: lease)
            let url = try await server.url()
            let adminKey = try String(contentsOf: directory.appendingPathComponent("junction-data/admin.key"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let (_, tenantOut, _) = try Self.cli(["tenants", "create", "acme", "--json"], url: url, key: adminKey)
            let key = try #require(try JSONCoding.decode(Array(tenantOut.utf8))["api_key"]?.stringValue)
            let (created, _, createErr) = try Self.cli(
                ["connectors", "create", "sleepy", "--type", "http", "--connection-url", upstream.url, "--max-retries", "0",
                 "--body", #"{"options":{"resources":[{"slug":"nap","path":"/slow"}]}}"#],
                url: url, key: key)
            #expect(created == 0, "\(createErr)")
            let file = directory.appendingPathComponent("napper.yaml")
            try "name: napper\ntype: workflow\nsteps:\n  - id: nap\n    connector: sleepy\n    resource: nap\n".write(to: file, atomically: true, encoding: .utf8)
            #expect(try Self.cli(["agents", "apply", file.path], url: url, key: key).0 == 0)
            let (_, startedOut, _) = try Self.cli(["agents", "run", "napper", "--json"], url: url, key: key)
            let id = try #require(try JSONCoding.decode(Array(startedOut.utf8))["id"]?.stringValue)

            // The step is waiting on the upstream (1 s) when the server dies.
            _ = try await Self.run(id, url: url, key: key) { $0["status"] == "running" }
            try await server.kill9()

            let again = try Server(executable: executable, directory: directory, environment: lease)
            let secondURL = try await again.url()
            let run = try await Self.run(id, url: secondURL, key: key) { $0["status"] == "completed" || $0["status"] == "failed" }
            #expect(run["status"] == "completed", "\(run)")
            #expect(run["attempts"] == 2, "taken again once its lease ran out")
            #expect(run["output"]?["slept_ms"] == 1000)
            #expect(try await again.terminate() == 0)
        }
    }

    @Test(.enabled(if: executable != nil, "needs the junction executable built by swift build"))
    func serveOnAFreshDirectoryThenDriveItWithTheCLI() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try Server(executable: try #require(Self.executable), directory: directory)
        let url = try await server.url()
        #expect(url.hasPrefix("http://127.0.0.1:"))
        let adminKey = try String(contentsOf: directory.appendingPathComponent("junction-data/admin.key"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(server.printed.contains(adminKey))

        let (tenantStatus, tenantOut, _) = try Self.cli(["tenants", "create", "acme", "--json"], url: url, key: adminKey)
        #expect(tenantStatus == 0)
        let tenant = try JSONCoding.decode(Array(tenantOut.utf8))
        let key = try #require(tenant["api_key"]?.stringValue)

        let (credentialStatus, credentialOut, _) = try Self.cli(
            ["credentials", "create", "crm-key", "--kind", "bearer", "--field", "token=@-"],
            url: url, key: key, input: "piped-secret-token-0987654321\n")
        #expect(credentialStatus == 0)
        #expect(credentialOut.contains("crm-key"))
        #expect(!credentialOut.contains("piped-secret-token"))

        let (createStatus, _, createErr) = try Self.cli(
            ["connectors", "create", "crm", "--type", "http", "--connection-url", "https://api.example.com", "--credential", "crm-key",
             "--option", "headers={\"X-Team\":\"core\"}", "--timeout-ms", "5000"],
            url: url, key: key)
        #expect(createStatus == 0, "\(createErr)")
        let (listStatus, listOut, _) = try Self.cli(["connectors", "list"], url: url, key: key)
        #expect(listStatus == 0)
        #expect(listOut.contains("NAME"))
        #expect(listOut.contains("crm"))
        #expect(listOut.contains("https://api.example.com"))
        let (_, getOut, _) = try Self.cli(["connectors", "get", "crm", "--json"], url: url, key: key)
        let record = try JSONCoding.decode(Array(getOut.utf8))
        #expect(record["timeout_ms"] == 5000)
        #expect(record["options"]?["headers"] == ["X-Team": "core"])
        let (updateStatus, _, _) = try Self.cli(["connectors", "update", "crm", "--enabled", "false"], url: url, key: key)
        #expect(updateStatus == 0)

        let (blockedStatus, _, blockedErr) = try Self.cli(["credentials", "delete", "crm-key"], url: url, key: key)
        #expect(blockedStatus == 1)
        #expect(blockedErr.contains("conflict"))
        #expect(blockedErr.contains("crm"))
        let (badStatus, _, badErr) = try Self.cli(
            ["connectors", "create", "Bad", "--type", "http", "--connection-url", "https://x.example.com"], url: url, key: key)
        #expect(badStatus == 1)
        #expect(badErr.contains("field: connector_name"))
        let (localStatus, _, localErr) = try Self.cli(
            ["connectors", "create", "local", "--type", "http", "--connection-url", "http://127.0.0.1:1", "--max-retries", "0",
             "--credential", "crm-key",
             "--body", #"{"options":{"resources":[{"slug":"ping","mock":{"pong":true}}]}}"#],
            url: url, key: key)
        #expect(localStatus == 0, "\(localErr)")
        let (mockStatus, mockOut, _) = try Self.cli(["invoke", "local", "ping", "--mock"], url: url, key: key)
        #expect(mockStatus == 0)
        let mocked = try JSONCoding.decode(Array(mockOut.utf8))
        #expect(mocked["data"] == ["pong": true])
        #expect(mocked["metadata"]?["mock"] == true)
        let (liveStatus, liveOut, _) = try Self.cli(["invoke", "local", "ping", "--data", "{}"], url: url, key: key)
        #expect(liveStatus == 1)
        #expect(try JSONCoding.decode(Array(liveOut.utf8))["error"]?["code"] == "connection_refused")

        _ = try Self.cli(["connectors", "delete", "local"], url: url, key: key)
        let (deleteStatus, _, _) = try Self.cli(["connectors", "delete", "crm"], url: url, key: key)
        #expect(deleteStatus == 0)
        let (credentialsStatus, credentialsOut, _) = try Self.cli(["credentials", "list"], url: url, key: key)
        #expect(credentialsStatus == 0)
        #expect(credentialsOut.contains("bearer"))
        let (unauthorizedStatus, _, unauthorizedErr) = try Self.cli(["connectors", "list"], url: url, key: "jk_bad")
        #expect(unauthorizedStatus == 1)
        #expect(unauthorizedErr.contains("unauthorized"))

        #expect(try await server.terminate() == 0)
        #expect(server.printed.contains("Junction stopped."))
        // Everything the server printed or logged, at trace level, holds no secret.
        #expect(server.printed.contains("Handled request"))
        #expect(!server.printed.contains("piped-secret-token"))
        #expect(!server.printed.contains(key))

        // A second start reuses the data directory and prints no new admin key.
        let again = try Server(executable: try #require(Self.executable), directory: directory)
        let secondURL = try await again.url()
        let (_, listAgain, _) = try Self.cli(["credentials", "list"], url: secondURL, key: key)
        #expect(listAgain.contains("crm-key"))
        #expect(!again.printed.contains("Platform admin API key"))
        #expect(try await again.terminate() == 0)
    }
}
