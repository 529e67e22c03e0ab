import Foundation
import JunctionCore
import JunctionRuntime
import Logging
import MCP
import ServiceLifecycle

/// The sessions of Junction's Streamable HTTP MCP endpoint: one swift-sdk `Server` and
/// stateful transport per session, created by `initialize`, bound to the API key and tenant
/// that created it, told when the tenant's connectors change, and closed after an idle
/// timeout, on `DELETE`, or at shutdown.
public actor MCPSessions: Service {
    private struct Session {
        let server: MCP.Server
        let transport: StatefulHTTPServerTransport
        let owner: Owner
        /// The caller and tool mode the session was opened with (what its SDK server serves).
        let toolSession: ToolSession
        /// When its last request ended (or began, while one is under way).
        var lastSeen: ContinuousClock.Instant
        /// Requests being answered: a session is never idle while it answers one.
        var inFlight = 0
        let watcher: Task<Void, Never>
    }

    private struct Owner: Hashable {
        let keyID: String
        let tenantID: String
    }

    private struct FixedSessionID: SessionIDGenerator {
        let id: String
        func generateSessionID() -> String { id }
    }

    /// How sessions are kept.
    public struct Configuration: Sendable {
        /// How long a session lives without requests (`mcp_session_idle_ms`). Default 1 hour.
        public var idleTimeout: Duration = .seconds(3600)
        /// The most sessions kept (`mcp_max_sessions`); the one idle the longest is closed to
        /// admit a new one. Default 1000.
        public var maximumSessions = 1000
        /// The most sessions one tenant keeps (`mcp_max_sessions_per_tenant`); its own session
        /// idle the longest is closed to admit a new one. Default 100.
        public var maximumSessionsPerTenant = 100

        public init() {}
    }

    private let toolServer: MCPToolServer
    private let changes: ChangeFeed
    private let idleTimeout: Duration
    private let maximumSessions: Int
    private let maximumSessionsPerTenant: Int
    private var sessions: [String: Session] = [:]
    private let logger = Logger(label: "junction.mcp")

    public init(toolServer: MCPToolServer, changes: ChangeFeed, configuration: Configuration = Configuration()) {
        self.toolServer = toolServer
        self.changes = changes
        self.idleTimeout = configuration.idleTimeout
        self.maximumSessions = configuration.maximumSessions
        self.maximumSessionsPerTenant = configuration.maximumSessionsPerTenant
    }

    /// The number of open sessions.
    public var count: Int { sessions.count }

    /// Answers one request to the MCP endpoint for the caller described by `session`.
    /// Requests naming a session must come from the key and tenant that created it.
    public nonisolated func handle(_ request: MCP.HTTPRequest, session: ToolSession) async -> MCP.HTTPResponse {
        // A POST's message is read once, off the actor, which all sessions share.
        let message = request.method.uppercased() == "POST" ? request.body.flatMap { try? JSONValue(parsing: $0) } : nil
        if let message, let refusal = RequestIDCheck.refusal(of: message) { return refusal }
        // A plain tools/call is answered off the actor too.
        if let id = request.header(HTTPHeaderName.sessionID), let message, let call = DirectToolCall(request, message: message) {
            guard let opened = await begin(call: id, for: session) else { return Self.unknownSession }
            let outcome: Result<CallTool.Result, MCPError>
            do {
                outcome = .success(try await toolServer.callTool(named: call.name, arguments: call.arguments, session: opened))
            } catch let error as MCPError {
                outcome = .failure(error)
            } catch {
                outcome = .failure(.internalError(error.localizedDescription))  // as the SDK answers it
            }
            await requestEnded(in: id)
            return .data(call.answer(outcome), headers: [HTTPHeaderName.contentType: "application/json", HTTPHeaderName.sessionID: id])
        }
        return await handleThroughSDK(request, message: message, session: session)
    }

    private static let unknownSession = MCP.HTTPResponse.error(
        statusCode: 404, .invalidRequest("Session not found or expired: initialize a new session."))

    /// Counts a direct `tools/call` as a request of session `id` if `caller` owns it, and
    /// answers what the session was opened with.
    private func begin(call id: String, for caller: ToolSession) -> ToolSession? {
        guard let known = sessions[id], known.owner == Owner(keyID: caller.actor.keyID, tenantID: caller.tenantID) else {
            return nil
        }
        requestBegan(in: id)
        return known.toolSession
    }

    private func handleThroughSDK(_ request: MCP.HTTPRequest, message: JSONValue?, session: ToolSession) async -> MCP.HTTPResponse {
        let owner = Owner(keyID: session.actor.keyID, tenantID: session.tenantID)
        if let id = request.header(HTTPHeaderName.sessionID) {
            guard let known = sessions[id], known.owner == owner else { return Self.unknownSession }
            let response = await answer(request, in: id, by: known.transport)
            if request.method.uppercased() == "DELETE", response.statusCode == 200 { await close(id) }
            return response
        }
        guard let message, message["method"]?.stringValue == "initialize", message["id"] != nil else {
            return .error(statusCode: 400, .invalidRequest("Missing \(HTTPHeaderName.sessionID) header: send initialize first."))
        }
        return await open(request, session: session, owner: owner)
    }

    private func open(_ request: MCP.HTTPRequest, session: ToolSession, owner: Owner) async -> MCP.HTTPResponse {
        guard await makeRoom(forTenant: owner.tenantID) else {
            return .error(
                statusCode: 503, .serverError(code: -32000, message: "Every MCP session is answering a request: retry shortly."),
                extraHeaders: ["Retry-After": "1"])
        }
        let id = Identifier.make("mcs")
        let transport = StatefulHTTPServerTransport(
            sessionIDGenerator: FixedSessionID(id: id),
            // The endpoint requires an API key in a header, which a rebinding page cannot
            // send, so the SDK's localhost-only Host/Origin check is left out: Junction is
            // reached by its real host name.
            validationPipeline: StandardValidationPipeline(validators: [
                AcceptHeaderValidator(mode: .sseRequired), ContentTypeValidator(), ProtocolVersionValidator(),
                SessionValidator(),
            ]))
        let server = await toolServer.makeServer(for: session)
        do {
            try await server.start(transport: transport)
        } catch {
            await transport.disconnect()
            return .error(statusCode: 500, .internalError("The session could not start."))
        }
        let tenantID = session.tenantID
        let watcher = MCPToolServer.forwardChanges(of: tenantID, from: changes, to: server)
        sessions[id] = Session(
            server: server, transport: transport, owner: owner, toolSession: session, lastSeen: .now, watcher: watcher)
        let response = await answer(request, in: id, by: transport)
        if case .error = response { await close(id) }
        logger.debug("MCP session opened", metadata: ["mcp.session": .string(id), "tenant.id": .string(tenantID)])
        return response
    }

    /// Answers `request` in session `id`, which counts as busy until the answer is complete (a
    /// POST answered as an event stream: until the stream ends), so a slow request is not cut
    /// short by the idle sweep. The GET notification stream does not keep a session alive.
    private func answer(_ request: MCP.HTTPRequest, in id: String, by transport: StatefulHTTPServerTransport) async -> MCP.HTTPResponse {
        requestBegan(in: id)
        let response = await transport.handleRequest(request)
        guard request.method.uppercased() == "POST", case .stream(let stream, let headers) = response else {
            requestEnded(in: id)
            return response
        }
        let watched = AsyncThrowingStream<Data, any Error> { continuation in
            let relay = Task {
                await continuation.forward(stream)
                self.requestEnded(in: id)
            }
            continuation.onTermination = { _ in relay.cancel() }
        }
        return .stream(watched, headers: headers)
    }

    /// Closes the tenant's session idle the longest if it has its most, then the server's if
    /// it has its most; `false` if a limit is reached with every session busy.
    private func makeRoom(forTenant tenantID: String) async -> Bool {
        if sessions.values.count(where: { $0.owner.tenantID == tenantID }) >= maximumSessionsPerTenant {
            guard await closeOldestIdle(where: { $0.owner.tenantID == tenantID }) else { return false }
        }
        if sessions.count >= maximumSessions {
            guard await closeOldestIdle(where: { _ in true }) else { return false }
        }
        return true
    }

    /// Closes the session idle the longest of those that `match`; `false` if none is idle.
    private func closeOldestIdle(where match: (Session) -> Bool) async -> Bool {
        let idle = sessions.filter { match($0.value) && $0.value.inFlight == 0 }
        guard let oldest = idle.min(by: { $0.value.lastSeen < $1.value.lastSeen })?.key else { return false }
        logger.debug("MCP session closed for a new one", metadata: ["mcp.session": .string(oldest)])
        await close(oldest)
        return true
    }

    private func requestBegan(in id: String) {
        sessions[id]?.inFlight += 1
        sessions[id]?.lastSeen = .now
    }

    private func requestEnded(in id: String) {
        sessions[id]?.inFlight -= 1
        sessions[id]?.lastSeen = .now
    }

    private func close(_ id: String) async {
        guard let session = sessions.removeValue(forKey: id) else { return }
        session.watcher.cancel()
        await session.server.stop()
    }

    /// Closes sessions idle for longer than `idleTimeout`.
    public func closeIdleSessions() async {
        let cutoff = ContinuousClock.now - idleTimeout
        for (id, session) in sessions where session.inFlight == 0 && session.lastSeen < cutoff {
            await close(id)
        }
    }

    /// Sweeps idle sessions until graceful shutdown, then closes every session (which ends
    /// their open event streams).
    public func run() async throws {
        let sweep = min(idleTimeout / 4, .seconds(60))
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: sweep)
                await self.closeIdleSessions()
            }
        }
        for id in sessions.keys { await close(id) }
    }
}
