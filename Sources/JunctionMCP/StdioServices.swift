import Foundation
import JunctionConnectors
import JunctionCore
import JunctionRuntime
import ServiceLifecycle

/// Serves one tool session over a line transport (standard input and output, for
/// `junction mcp --data-dir`) until the client's input ends or graceful shutdown begins.
///
/// Both protocol eras are served, message by message: a request carrying a 2026-07-28
/// `_meta` (or a method only that revision has) is checked and answered statelessly, and its
/// `subscriptions/listen` hears the tenant's tool changes until cancelled; any other request
/// is legacy, and after `initialize` the process is told `notifications/tools/list_changed`.
/// Requests run concurrently; `notifications/cancelled` stops one.
public struct StdioToolService: Service {
    let toolServer: MCPToolServer
    let session: ToolSession
    let changes: ChangeFeed
    let transport: MCPLineTransport

    public init(toolServer: MCPToolServer, session: ToolSession, changes: ChangeFeed, transport: MCPLineTransport) {
        self.toolServer = toolServer
        self.session = session
        self.changes = changes
        self.transport = transport
    }

    public func run() async throws {
        let connection = StdioConnection(server: toolServer, session: session, transport: transport)
        let feed = changes.subscribe()
        let tenantID = session.tenantID
        let forwarding = Task {
            for await changed in feed where changed == nil || changed == tenantID { await connection.announceToolChanges() }
        }
        defer { forwarding.cancel() }
        try await transport.disconnectingOnGracefulShutdown {
            try await transport.connect()
            do {
                for try await line in await transport.receive() { await connection.receive(line) }
            } catch {
                await connection.send(RPCWire.error(id: .null, .parseError("\(error)")))
            }
        }
        await connection.finish()
    }
}

/// The state of one stdio client: the legacy era once `initialize` is answered, the requests
/// under way (by id, for cancellation), and the open subscriptions.
actor StdioConnection {
    private let server: MCPToolServer
    private var session: ToolSession
    private let transport: MCPLineTransport
    /// Set by a successful `initialize`.
    private var initialized: MCPEra?
    private var running: [JSONValue: Task<Void, Never>] = [:]
    /// Open `subscriptions/listen` requests, and whether each hears tool changes.
    private var subscriptions: [JSONValue: Bool] = [:]

    init(server: MCPToolServer, session: ToolSession, transport: MCPLineTransport) {
        self.server = server
        self.session = session
        self.transport = transport
    }

    /// Takes one line from the client.
    func receive(_ line: Data) async {
        switch RPCMessage.parse(line) {
        case .failure(let refusal):
            await send(RPCWire.error(id: refusal.id, refusal.error))
        case .success(.response):
            break
        case .success(.notification(let method, let params)):
            if method == "notifications/cancelled", let id = params["requestId"] { cancel(id) }
        case .success(.request(let request)):
            await start(request)
        }
    }

    private func start(_ request: RPCRequest) async {
        guard running[request.id] == nil, subscriptions[request.id] == nil else {
            await send(RPCWire.error(id: request.id, .invalidRequest("A request with this id is still under way.")))
            return
        }
        let era: MCPEra
        if Self.isModern(request) {
            switch ModernEnvelope.check(request, headers: nil) {
            case .success(let envelope): era = .modern(envelope)
            case .failure(let error):
                await send(RPCWire.error(id: request.id, error))
                return
            }
            if request.method == "subscriptions/listen" {
                await listen(request)
                return
            }
        } else {
            era = initialized ?? .legacy(version: MCPRevision.legacy[0], clientCapabilities: [:])
        }
        let server = server
        let session = session
        running[request.id] = Task {
            let outcome = await server.respond(to: request, session: session, era: era)
            await self.finished(request, outcome: outcome)
        }
    }

    private func finished(_ request: RPCRequest, outcome: Result<JSONValue, RPCError>) async {
        guard running.removeValue(forKey: request.id) != nil else { return }  // cancelled: no answer
        if request.method == "initialize", case .success(let result) = outcome, case .string(let version)? = result["protocolVersion"] {
            initialized = .legacy(version: version, clientCapabilities: request.params["capabilities"] ?? [:])
            session.actor.client = ToolSession.clientName(request.params["clientInfo"])
        }
        await send(RPCWire.answer(id: request.id, outcome))
    }

    /// A 2026-07-28 request: its `_meta` names a version, or its method exists only there.
    private static func isModern(_ request: RPCRequest) -> Bool {
        request.meta?[ModernEnvelope.protocolVersionKey] != nil
            || request.method == "server/discover" || request.method == "subscriptions/listen"
    }

    private func listen(_ request: RPCRequest) async {
        guard case .object(let filter)? = request.params["notifications"] else {
            await send(RPCWire.error(
                id: request.id, .invalidParams("subscriptions/listen needs params.notifications, the notifications to receive.")))
            return
        }
        let hearsTools = filter["toolsListChanged"] == true
        subscriptions[request.id] = hearsTools
        await send(RPCWire.notification(
            "notifications/subscriptions/acknowledged",
            params: [
                "_meta": [ModernEnvelope.subscriptionIDKey: request.id],
                "notifications": hearsTools ? ["toolsListChanged": true] : [:],
            ]))
    }

    /// Stops request `id` without answering it, or ends subscription `id`.
    private func cancel(_ id: JSONValue) {
        running.removeValue(forKey: id)?.cancel()
        subscriptions[id] = nil
    }

    /// Tells the client its tools changed: as a legacy notification once initialized, and on
    /// every subscription that asked.
    func announceToolChanges() async {
        if initialized != nil { await send(RPCWire.notification("notifications/tools/list_changed")) }
        for (id, hearsTools) in subscriptions where hearsTools {
            await send(RPCWire.notification(
                "notifications/tools/list_changed", params: ["_meta": [ModernEnvelope.subscriptionIDKey: id]]))
        }
    }

    /// After the input ended: lets the requests under way answer, then ends every
    /// subscription with its completion result.
    func finish() async {
        while let (_, task) = running.first {
            await task.value
        }
        for id in subscriptions.keys {
            await send(RPCWire.result(id: id, MCPToolServer.complete(["_meta": [ModernEnvelope.subscriptionIDKey: id]])))
        }
        subscriptions = [:]
    }

    func send(_ message: [UInt8]) async {
        try? await transport.send(Data(message))
    }
}

/// Relays a line transport's client to a Streamable HTTP MCP endpoint (`junction mcp --url`)
/// until the client's input ends or graceful shutdown begins; either way the server's
/// session is ended.
public struct StdioRelayService: Service {
    let relay: MCPRelay
    let transport: MCPLineTransport

    public init(relay: MCPRelay, transport: MCPLineTransport) {
        self.relay = relay
        self.transport = transport
    }

    public func run() async throws {
        try await transport.disconnectingOnGracefulShutdown {
            try await relay.run(client: transport)
        }
    }
}

extension MCPLineTransport {
    /// Runs `body`, disconnecting this transport (which ends its input, as end of file would)
    /// once graceful shutdown begins.
    func disconnectingOnGracefulShutdown(_ body: @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Throws when cancelled: `body` ended first, nothing to disconnect for.
                try await gracefulShutdown()
                await self.disconnect()
            }
            do {
                try await body()
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
            _ = try? await group.next()
        }
    }
}
