import Foundation
import HTTPTypes
import JunctionCore
import JunctionRuntime

/// One request to the MCP endpoint, as the HTTP server read it.
public struct MCPHTTPRequest: Sendable {
    public var method: HTTPRequest.Method
    public var headers: HTTPFields
    /// The body of a POST.
    public var body: [UInt8]?

    public init(method: HTTPRequest.Method, headers: HTTPFields, body: [UInt8]?) {
        self.method = method
        self.headers = headers
        self.body = body
    }
}

/// The MCP endpoint's answer.
public struct MCPHTTPResponse: Sendable {
    /// What follows the head.
    public enum Body: Sendable {
        /// A whole body (a JSON answer, or nothing).
        case bytes([UInt8])
        /// Server-sent events as they come, until the stream ends. `end` ends it, a subscription
        /// with its completion result: call it at shutdown, and once the client is gone (a write
        /// failed), so that nothing is kept for it.
        case events(AsyncStream<[UInt8]>, end: @Sendable () -> Void)
    }

    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: Body
}

/// Junction's Streamable HTTP MCP endpoint, serving both protocol eras on one URL:
/// - a request with a 2026-07-28 `MCP-Protocol-Version` (or, without the header and outside
///   a session, a 2026-07-28 `_meta`) is served statelessly: checked in full (its `_meta`,
///   the headers mirroring it, its version), answered as one JSON object, except
///   `subscriptions/listen`, whose answer is an event stream;
/// - anything else is legacy: `initialize` opens a session (`Mcp-Session-Id`), whose
///   requests are answered as JSON, whose GET is its notification stream, and whose DELETE
///   ends it.
public struct MCPHTTPEndpoint: Sendable {
    static let sessionID = HTTPField.Name("Mcp-Session-Id")!

    let server: MCPToolServer
    let sessions: MCPSessions

    public init(server: MCPToolServer, sessions: MCPSessions) {
        self.server = server
        self.sessions = sessions
    }

    /// Answers one request for the caller described by `caller`.
    public func handle(_ request: MCPHTTPRequest, caller: ToolSession) async -> MCPHTTPResponse {
        let version = request.headers[MirroredHeaders.protocolVersion]
        let session = request.headers[Self.sessionID]
        guard request.method == .post else {
            guard let session, request.method == .get || request.method == .delete, version.map(MCPRevision.isLegacy) ?? true else {
                return Self.plain(.methodNotAllowed, headers: [.allow: "POST"])
            }
            return request.method == .get ? await openEventStream(session, request: request, caller: caller) : await end(session, caller: caller)
        }
        guard Self.mediaType(request.headers[.contentType]) == "application/json" else {
            return Self.refusal(.unsupportedMediaType, .invalidRequest("Content-Type must be application/json."))
        }
        guard Self.acceptsJSONAndEvents(request.headers[.accept]) else {
            return Self.refusal(.notAcceptable, .invalidRequest("Accept must list both application/json and text/event-stream."))
        }
        let message: RPCMessage
        switch RPCMessage.parse(request.body ?? []) {
        case .success(let parsed): message = parsed
        case .failure(let refusal): return Self.refusal(.badRequest, refusal.error, id: refusal.id)
        }
        if Self.isModern(message, version: version, session: session) {
            return await modern(message, headers: request.headers, caller: caller)
        }
        return await legacy(message, session: session, caller: caller)
    }

    /// Whether a message is served as 2026-07-28: its version header says so (any version a
    /// legacy session cannot speak is checked, and refused, as modern), or, with neither the
    /// header nor a session, its `_meta` does, or it is a method only 2026-07-28 has.
    static func isModern(_ message: RPCMessage, version: String?, session: String?) -> Bool {
        if let version { return !MCPRevision.isLegacy(version) }
        guard session == nil, case .request(let request) = message, request.method != "initialize" else { return false }
        return request.meta?[ModernEnvelope.protocolVersionKey] != nil
            || request.method == "server/discover" || request.method == "subscriptions/listen"
    }

    // MARK: 2026-07-28

    private func modern(_ message: RPCMessage, headers: HTTPFields, caller: ToolSession) async -> MCPHTTPResponse {
        let request: RPCRequest
        switch message {
        case .request(let taken): request = taken
        case .notification: return Self.plain(.accepted)
        case .response: return Self.refusal(.badRequest, .invalidRequest("A client sends no responses in MCP 2026-07-28."))
        }
        let envelope: ModernEnvelope
        switch ModernEnvelope.check(request, headers: headers) {
        case .success(let checked): envelope = checked
        case .failure(let error): return Self.refusal(HTTPResponse.Status(code: error.httpStatus), error, id: request.id)
        }
        if request.method == "subscriptions/listen" { return await listen(request, caller: caller) }
        let outcome = await server.respond(to: request, session: caller, era: .modern(envelope))
        let status: HTTPResponse.Status = switch outcome {
        case .success: .ok
        case .failure(let error): HTTPResponse.Status(code: error.httpStatus)
        }
        return Self.json(status, RPCWire.answer(id: request.id, outcome))
    }

    /// `subscriptions/listen`: an event stream that starts with the acknowledgement and then
    /// carries the tenant's `notifications/tools/list_changed`, if asked for.
    private func listen(_ request: RPCRequest, caller: ToolSession) async -> MCPHTTPResponse {
        guard case .object(let filter)? = request.params["notifications"] else {
            return Self.refusal(
                .badRequest, .invalidParams("subscriptions/listen needs params.notifications, the notifications to receive."),
                id: request.id)
        }
        // Junction's only list is its tools: prompts, resources and resource updates are not offered.
        let accepted: JSONValue = filter["toolsListChanged"] == true ? ["toolsListChanged": true] : [:]
        guard let (stream, end) = await sessions.subscribe(caller, requestID: request.id, accepted: accepted) else {
            return Self.busy(id: request.id)
        }
        return MCPHTTPResponse(status: .ok, headers: Self.eventStreamHeaders, body: .events(stream, end: end))
    }

    // MARK: 2025-11-25 and earlier

    private func legacy(_ message: RPCMessage, session id: String?, caller: ToolSession) async -> MCPHTTPResponse {
        guard let id else {
            guard case .request(let request) = message, request.method == "initialize" else {
                return Self.refusal(.badRequest, .invalidRequest("Missing \(Self.sessionID.canonicalName) header: send initialize first."))
            }
            return await initialize(request, caller: caller)
        }
        guard let (session, era) = await sessions.begin(id, for: caller) else { return Self.unknownSession }
        guard case .request(let request) = message else {
            await sessions.end(id)
            return Self.plain(.accepted)
        }
        let outcome = request.method == "initialize"
            ? .failure(.invalidRequest("This session is initialized already; send initialize without \(Self.sessionID.canonicalName) for a new one."))
            : await server.respond(to: request, session: session, era: era)
        await sessions.end(id)
        var response = Self.json(.ok, RPCWire.answer(id: request.id, outcome))
        response.headers[Self.sessionID] = id
        return response
    }

    private func initialize(_ request: RPCRequest, caller: ToolSession) async -> MCPHTTPResponse {
        let outcome = await server.respond(
            to: request, session: caller, era: .legacy(version: MCPRevision.legacy[0], clientCapabilities: [:]))
        guard case .success(let result) = outcome, case .string(let version)? = result["protocolVersion"] else {
            return Self.json(.badRequest, RPCWire.answer(id: request.id, outcome))
        }
        let era = MCPEra.legacy(version: version, clientCapabilities: request.params["capabilities"] ?? [:])
        var caller = caller
        caller.actor.client = ToolSession.clientName(request.params["clientInfo"])
        guard let id = await sessions.open(caller, era: era) else { return Self.busy(id: request.id) }
        var response = Self.json(.ok, RPCWire.result(id: request.id, result))
        response.headers[Self.sessionID] = id
        return response
    }

    private func openEventStream(_ id: String, request: MCPHTTPRequest, caller: ToolSession) async -> MCPHTTPResponse {
        guard request.headers[.accept]?.lowercased().contains("text/event-stream") == true else {
            return Self.refusal(.notAcceptable, .invalidRequest("Accept must list text/event-stream."))
        }
        switch await sessions.openEventStream(id, for: caller) {
        case .stream(let stream, let end):
            var headers = Self.eventStreamHeaders
            headers[Self.sessionID] = id
            return MCPHTTPResponse(status: .ok, headers: headers, body: .events(stream, end: end))
        case .unknown:
            return Self.unknownSession
        case .alreadyOpen:
            return Self.refusal(.conflict, .invalidRequest("This session's event stream is open already."))
        }
    }

    private func end(_ id: String, caller: ToolSession) async -> MCPHTTPResponse {
        await sessions.close(id, for: caller) ? Self.plain(.ok) : Self.unknownSession
    }

    // MARK: Answers

    private static let unknownSession = refusal(.notFound, .invalidRequest("Session not found or expired: initialize a new session."))

    private static let eventStreamHeaders: HTTPFields = [
        .contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no",
    ]

    static func json(_ status: HTTPResponse.Status, _ body: [UInt8]) -> MCPHTTPResponse {
        MCPHTTPResponse(status: status, headers: [.contentType: "application/json"], body: .bytes(body))
    }

    static func refusal(_ status: HTTPResponse.Status, _ error: RPCError, id: JSONValue = .null) -> MCPHTTPResponse {
        json(status, RPCWire.error(id: id, error))
    }

    static func plain(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> MCPHTTPResponse {
        MCPHTTPResponse(status: status, headers: headers, body: .bytes([]))
    }

    /// Every session and subscription within the limits is answering a request.
    private static func busy(id: JSONValue) -> MCPHTTPResponse {
        var response = refusal(
            .serviceUnavailable, RPCError(code: -32000, message: "Every MCP session is answering a request: retry shortly."), id: id)
        response.headers[.retryAfter] = "1"
        return response
    }

    private static func mediaType(_ header: String?) -> String? {
        header?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// Whether `Accept` lists both JSON and event streams, as the transport requires.
    private static func acceptsJSONAndEvents(_ header: String?) -> Bool {
        guard let header else { return false }
        let types = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        return types.contains { $0.hasPrefix("application/json") || $0.hasPrefix("*/*") }
            && types.contains { $0.hasPrefix("text/event-stream") || $0.hasPrefix("*/*") }
    }
}
