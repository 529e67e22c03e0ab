import Foundation
import JunctionCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A real MCP client for tests: `Tests/Peers/mcp_client.py` (the official Python SDK) run as a
/// child process and driven one JSON line at a time.
///
/// Start one with ``http(url:headers:timeout:filePath:)`` or
/// ``stdio(command:arguments:environment:directory:timeout:filePath:)``; both return once the
/// client has initialized its session (``initialized`` holds what it printed). ``send(_:timeout:)``
/// writes one command (`{"op":"list_tools"}`, …; see the script's header) and returns its one-line
/// answer, failing after a timeout rather than hanging the test. ``close()`` ends the client and
/// reaps the process; ``use(_:)`` runs a body and closes afterwards, also when the body throws.
///
/// The interpreter is `JUNCTION_TEST_PYTHON` (``PythonPeer/python``).
public final class MCPClientDriver: Sendable {
    /// The `{"ok":true,"event":"initialized","server":…,"capabilities":…}` line the client printed.
    public let initialized: JSONValue
    /// How long a command waits for its answer unless told otherwise.
    public let timeout: Duration
    private let process: Process
    private let input: FileHandle
    private let lines: AsyncStream<String>
    private let output: Output

    /// What the child printed: the unfinished last line of standard output and the tail of
    /// standard error (for failure messages).
    private final class Output: Sendable {
        let partial = Mutex(Data())
        let errors = Mutex("")

        /// The complete lines in `partial` after appending `data`.
        func lines(appending data: Data) -> [String] {
            partial.withLock { buffer in
                buffer.append(data)
                var lines: [String] = []
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                    buffer.removeSubrange(buffer.startIndex...newline)
                }
                return lines
            }
        }

        func appendError(_ data: Data) {
            errors.withLock { text in
                text += String(decoding: data, as: UTF8.self)
                if text.count > 8000 { text = String(text.suffix(4000)) }
            }
        }

        var errorTail: String { errors.withLock { String($0.suffix(2000)) } }
    }

    private init(initialized: JSONValue, timeout: Duration, process: Process, input: FileHandle, lines: AsyncStream<String>, output: Output) {
        self.initialized = initialized
        self.timeout = timeout
        self.process = process
        self.input = input
        self.lines = lines
        self.output = output
    }

    /// How the client picks its protocol revision.
    public enum Mode: String, Sendable, CaseIterable {
        /// The `initialize` handshake (2025-11-25 and earlier).
        case legacy
        /// The SDK's default: a `server/discover` probe, falling back to `initialize`.
        case auto
        /// Stateless 2026-07-28, adopted from `server/discover` with no fallback.
        case modern = "2026-07-28"
    }

    /// A client of the Streamable HTTP server at `url`, sending `headers` (e.g. `Authorization`)
    /// with every request.
    ///
    /// - Parameters:
    ///   - oauthConsent: authorize with the SDK's OAuth client instead, consenting at the
    ///     server's consent page with this API key (and tenant, for a platform key).
    ///   - clientMetadataURL: the client's metadata document URL, which the client then uses as
    ///     its id instead of registering.
    ///   - filePath: where to start looking upwards for `Tests/Peers/mcp_client.py`.
    public static func http(
        url: String, headers: [String: String] = [:], mode: Mode = .legacy, oauthConsent: (key: String, tenant: String?)? = nil,
        clientMetadataURL: String? = nil, timeout: Duration = .seconds(30), filePath: String = #filePath
    ) async throws -> MCPClientDriver {
        var arguments = ["http", url, "--mode", mode.rawValue]
        if let oauthConsent {
            arguments += ["--oauth-consent-key", oauthConsent.key]
            if let tenant = oauthConsent.tenant { arguments += ["--oauth-tenant", tenant] }
            if let clientMetadataURL { arguments += ["--oauth-client-metadata-url", clientMetadataURL] }
        }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["--header", "\(name): \(value)"] }
        return try await start(arguments, directory: nil, timeout: timeout, filePath: filePath)
    }

    /// A client of the stdio server `command arguments…`, which the client starts with this
    /// process's environment plus `environment`, in `directory` (default: the temporary directory).
    public static func stdio(
        command: String, arguments: [String], environment: [String: String] = [:], directory: URL? = nil,
        mode: Mode = .legacy, timeout: Duration = .seconds(30), filePath: String = #filePath
    ) async throws -> MCPClientDriver {
        var options = ["stdio", "--mode", mode.rawValue]
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) { options += ["--env", "\(name)=\(value)"] }
        return try await start(
            options + ["--"] + [command] + arguments, directory: directory ?? FileManager.default.temporaryDirectory,
            timeout: timeout, filePath: filePath)
    }

    private static func start(_ arguments: [String], directory: URL?, timeout: Duration, filePath: String) async throws -> MCPClientDriver {
        guard let python = PythonPeer.python else { throw HarnessError("JUNCTION_TEST_PYTHON is not set: run the tests with scripts/test") }
        // A write to the pipe of a client that died must fail, not kill the test process.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [try PeerScripts.url("mcp_client.py", from: filePath).path, "--timeout", "\(max(timeout.components.seconds, 1))"] + arguments
        if let directory { process.currentDirectoryURL = directory }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let output = Output()
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                continuation.finish()
                return
            }
            for line in output.lines(appending: data) { continuation.yield(line) }
        }
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { output.appendError(data) }
        }
        try process.run()
        // The first line is `initialized` or the connect failure; the client's own connect
        // timeout is `timeout`, so allow a little more before giving up on it.
        let provisional = MCPClientDriver(
            initialized: .null, timeout: timeout, process: process, input: stdin.fileHandleForWriting, lines: lines, output: output)
        let first: JSONValue
        do {
            first = try JSONCoding.decode(Array(try await provisional.nextLine(within: timeout + .seconds(10), for: "initialize").utf8))
        } catch {
            await provisional.close()
            throw error
        }
        guard first["ok"] == true, first["event"] == "initialized" else {
            await provisional.close()
            throw HarnessError("mcp_client.py did not initialize: \(first) \(output.errorTail)")
        }
        return MCPClientDriver(
            initialized: first, timeout: timeout, process: process, input: stdin.fileHandleForWriting, lines: lines, output: output)
    }

    /// Sends one command and returns the client's answer (`{"ok":true,…}` or `{"ok":false,"error":…}`).
    /// Waits at most `timeout` (default: ``timeout``, or a `wait_list_changed` command's own
    /// timeout plus 10 s), then throws.
    @discardableResult
    public func send(_ command: JSONValue, timeout: Duration? = nil) async throws -> JSONValue {
        var line = try JSONCoding.encode(command)
        line.append(UInt8(ascii: "\n"))
        do {
            try input.write(contentsOf: line)
        } catch {
            throw HarnessError("mcp_client.py no longer reads commands (\(error)): \(output.errorTail)")
        }
        let limit = timeout ?? command["timeout"]?.doubleValue.map { .milliseconds(Int($0 * 1000)) + .seconds(10) } ?? self.timeout
        let answer = try await nextLine(within: limit, for: command["op"]?.stringValue ?? "command")
        do {
            return try JSONCoding.decode(Array(answer.utf8))
        } catch {
            throw HarnessError("mcp_client.py answered a line that is not JSON: \(answer)")
        }
    }

    /// The tools of `tools/list` (all pages), or a thrown description of the failure.
    public func listTools() async throws -> [JSONValue] {
        let answer = try await send(["op": "list_tools"])
        guard answer["ok"] == true, let tools = answer["tools"]?.arrayValue else { throw HarnessError("list_tools failed: \(answer)") }
        return tools
    }

    /// The answer to `tools/call` of `name`: `{"ok":true,"result":{…}}` or `{"ok":false,"error","code"}`.
    /// `raw` skips the SDK's client-side check of `structuredContent` against the output schema.
    public func callTool(_ name: String, arguments: JSONValue = [:], raw: Bool = false) async throws -> JSONValue {
        try await send(["op": "call_tool", "name": .string(name), "arguments": arguments, "raw": .bool(raw)])
    }

    /// Whether `notifications/tools/list_changed` arrived since the last wait, waiting up to `seconds`.
    public func waitListChanged(seconds: Double = 10) async throws -> Bool {
        let answer = try await send(["op": "wait_list_changed", "timeout": .number(seconds)])
        guard answer["ok"] == true else { throw HarnessError("wait_list_changed failed: \(answer)") }
        return answer["received"] == true
    }

    /// Opens a 2026-07-28 `subscriptions/listen` stream for tool list changes (which
    /// ``waitListChanged(seconds:)`` then counts); the filter the server acknowledged.
    public func listen() async throws -> JSONValue {
        let answer = try await send(["op": "listen"])
        guard answer["ok"] == true, let honored = answer["honored"] else { throw HarnessError("listen failed: \(answer)") }
        return honored
    }

    /// Runs `body`, then closes the client, also when `body` throws.
    public func use<T: Sendable>(_ body: @Sendable (MCPClientDriver) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            await close()
            return result
        } catch {
            await close()
            throw error
        }
    }

    /// Sends `close`, closes the client's input and waits for it to exit: 5 s, then SIGTERM and
    /// 2 s, then SIGKILL. Polls without blocking a thread; safe to call more than once.
    public func close() async {
        if process.isRunning { _ = try? await send(["op": "close"], timeout: .seconds(5)) }
        try? input.close()
        if await exited(within: .seconds(5)) { return }
        process.terminate()
        if await exited(within: .seconds(2)) { return }
        kill(process.processIdentifier, SIGKILL)
        _ = await exited(within: .seconds(2))
    }

    private func exited(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return !process.isRunning
    }

    /// The next line of standard output, or a thrown failure once `limit` passes or the client
    /// exits. After a timeout the line stream is finished: the client is not usable any more.
    private func nextLine(within limit: Duration, for what: String) async throws -> String {
        let lines = self.lines
        let line = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                var iterator = lines.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try await Task.sleep(for: limit)
                throw CancellationError()
            }
            defer { group.cancelAll() }
            do {
                return try await group.next() ?? nil
            } catch is CancellationError {
                throw HarnessError("mcp_client.py gave no answer to \(what) within \(limit): \(output.errorTail)")
            }
        }
        guard let line else { throw HarnessError("mcp_client.py exited without answering \(what): \(output.errorTail)") }
        return line
    }
}

/// The Python scripts in `Tests/Peers` that tests run.
public enum PeerScripts {
    /// The script `name` in `Tests/Peers`, found by walking up the directories from `filePath`
    /// (a source file of the package: the caller's by default).
    public static func url(_ name: String, from filePath: String = #filePath) throws -> URL {
        var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("Tests/Peers/\(name)")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw HarnessError("No Tests/Peers/\(name) above \(filePath)")
    }

    /// Runs `check_tools.py FORMAT` (openai, anthropic or gemini) on `document` (a
    /// `GET /api/v1/tools` answer) and returns what it printed: `{"ok":true,"count":N}` or
    /// `{"ok":false,"errors":[…]}`.
    public static func checkTools(format: String, document: JSONValue, filePath: String = #filePath) async throws -> JSONValue {
        try await runChecker("check_tools.py", arguments: [format], input: document, filePath: filePath)
    }

    /// Runs `check_schemas.py` on `schemas` (`{label: schema}`) and returns what it printed:
    /// `{"schemas": N, "invalid_count", "invalid": […], "dangling_count", "dangling": […]}`.
    public static func checkSchemas(_ schemas: [String: JSONValue], filePath: String = #filePath) async throws -> JSONValue {
        try await runChecker("check_schemas.py", arguments: [], input: .object(schemas), filePath: filePath)
    }

    /// Runs the peer script `name` with `arguments` and a file holding `input`, and returns
    /// the last JSON line it printed (within 120 s).
    private static func runChecker(
        _ name: String, arguments: [String], input document: JSONValue, filePath: String
    ) async throws -> JSONValue {
        guard let python = PythonPeer.python else { throw HarnessError("JUNCTION_TEST_PYTHON is not set: run the tests with scripts/test") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("input.json"), output = directory.appendingPathComponent("out.txt")
        try JSONCoding.encode(document).write(to: input)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [try url(name, from: filePath).path] + arguments + [input.path]
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = ContinuousClock.now + .seconds(120)
        while process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            throw HarnessError("\(name) did not finish within 120 s")
        }
        let text = try String(contentsOf: output, encoding: .utf8)
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
              let result = try? JSONCoding.decode(Array(line.utf8))
        else { throw HarnessError("\(name) printed no result: \(text.suffix(2000))") }
        return result
    }
}
