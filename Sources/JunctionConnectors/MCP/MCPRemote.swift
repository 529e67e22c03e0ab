import Foundation
import JunctionCore
import MCP
import Synchronization

/// One connector's session with its MCP server, opened on first use (spawning the command,
/// or initializing over HTTP) and opened again after the server ends it or its process dies.
/// Every exchange is bounded by the caller's deadline.
actor MCPRemote {
    /// Where the server is.
    enum Endpoint: Sendable {
        case http(HTTPTransport)
        case command(executable: URL, arguments: [String], environment: [String: String])
    }

    private let endpoint: Endpoint
    private let name: String
    private let timeout: Duration
    /// Awaits the goodbye of a session this actor no longer needs.
    private let reaper: ConnectionReaper?
    private var client: MCP.Client?
    private var child: MCPChildProcess?
    private var opening: Task<MCP.Client, any Error>?
    /// The HTTP transport of the session being opened.
    private var openingTransport: MCPHTTPClientTransport?

    init(endpoint: Endpoint, name: String, timeout: Duration, reaper: ConnectionReaper?) {
        self.endpoint = endpoint
        self.name = name
        self.timeout = timeout
        self.reaper = reaper
    }

    /// Runs `body` with an open session before `deadline`. A session that failed is dropped,
    /// so the next exchange opens a new one.
    func exchange<T: Sendable>(
        before deadline: ContinuousClock.Instant, _ body: @escaping @Sendable (MCP.Client) async throws -> T
    ) async throws -> T {
        let client: MCP.Client
        do {
            client = try await Self.bounded(by: deadline, name: name) { try await self.session() }
        } catch {
            // Given up (past the deadline, or the caller cancelled): so is the session being opened.
            opening?.cancel()
            await openingTransport?.cancelRequests()
            throw error
        }
        do {
            return try await Self.bounded(by: deadline, name: name) { try await body(client) }
        } catch let error as MCPError {
            // A JSON-RPC error is the server's answer; anything else means the session is broken.
            if !Self.isProtocolAnswer(error) { await drop(client) }
            throw Self.failure(error, name: name)
        } catch {
            if (error as? JunctionError)?.code != .timeout { await drop(client) }
            throw error
        }
    }

    private func session() async throws -> MCP.Client {
        if let client, child?.isRunning ?? true { return client }
        if let client { await drop(client) }
        if let opening { return try await opening.value }
        let task = Task { try await open() }
        opening = task
        defer { opening = nil }
        let opened = try await task.value
        client = opened
        return opened
    }

    private func open() async throws -> MCP.Client {
        let transport: any MCP.Transport
        switch endpoint {
        case .http(let http):
            let opened = MCPHTTPClientTransport(http: http, timeout: timeout)
            openingTransport = opened
            transport = opened
        case .command(let executable, let arguments, let environment):
            let process = try MCPChildProcess(executable: executable, arguments: arguments, environment: environment)
            child = process
            transport = MCPLineTransport(
                reading: process.output.fileHandleForReading, writing: process.input.fileHandleForWriting, owner: process,
                stop: { process.terminate() })
        }
        let client = MCP.Client(name: "junction", version: BuildInfo.version)
        defer { openingTransport = nil }
        do {
            try await client.connect(transport: transport)
        } catch {
            await client.disconnect()
            child?.terminate()
            child = nil
            throw (error as? JunctionError)
                ?? JunctionError(.connectionRefused, "The MCP server of connector '\(name)' did not initialize: \(Self.describe(error))", retryable: true, cause: error)
        }
        return client
    }

    private func drop(_ broken: MCP.Client) async {
        guard client === broken else { return }
        client = nil
        await broken.disconnect()
        child?.terminate()
        child = nil
    }

    /// A connector whose last user let go ends its session: the SDK client's message loop
    /// would otherwise keep it (and its transport) alive, and a spawned server would run on.
    /// The goodbye is awaited by the runtime's reaper (outside a runtime, nobody awaits it:
    /// the session ends with the process).
    deinit {
        if let client { reaper?.close { await client.disconnect() } }
        child?.terminate()
    }

    /// `operation`, or `timeout` once `deadline` passes (or `CancellationError` once the
    /// caller is cancelled). The operation is cancelled then, but not waited for: the SDK's
    /// requests do not all stop on cancellation.
    static func bounded<T: Sendable>(
        by deadline: ContinuousClock.Instant, name: String, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await abandoning(
            at: deadline,
            with: { JunctionError(.timeout, "The MCP server of connector '\(name)' did not answer in time.", retryable: true) },
            operation)
    }

    private static func isProtocolAnswer(_ error: MCPError) -> Bool {
        switch error {
        case .parseError, .invalidRequest, .methodNotFound, .invalidParams, .internalError, .serverError: true
        default: false
        }
    }

    private static func failure(_ error: MCPError, name: String) -> JunctionError {
        isProtocolAnswer(error)
            ? JunctionError(.upstreamError, "The MCP server of connector '\(name)' answered: \(describe(error))", cause: error)
            : JunctionError(.connectionRefused, "The MCP server of connector '\(name)' is unreachable: \(describe(error))", retryable: true, cause: error)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? JunctionError { return error.message }
        return String((error as? MCPError)?.errorDescription ?? String(describing: error)).prefix(300).description
    }
}
