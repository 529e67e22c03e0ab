import AsyncHTTPClient
import Foundation
import JunctionCore
import Logging
import MCP
import NIOCore
import NIOHTTP1

/// Relays an MCP client on a local transport (standard input and output, for
/// `junction mcp --url`) to a Streamable HTTP MCP endpoint such as a Junction server's `/mcp`.
///
/// Messages pass through unchanged:
/// - Each client message is one POST. Its answer, JSON or an event stream, is relayed as it
///   arrives. Requests travel concurrently; notifications and responses keep their order. An
///   answer stream that ends before the answer is resumed once with `Last-Event-ID`.
/// - Once the session is initialized, a GET event stream carries the server's own messages
///   (`notifications/tools/list_changed`). A dropped stream is reopened with `Last-Event-ID`,
///   backing off while the server is unreachable.
/// - A session the server no longer knows (404: idle timeout, restart), or whose event stream
///   cannot be reopened, is replaced by replaying the client's `initialize`, and the request
///   is retried. The client, which cannot tell, is told its tool list may have changed.
/// - A request the server does not answer (unreachable, refused key, stream cut) gets a
///   JSON-RPC error that says why, so the client never waits for nothing.
///
/// A 2026-07-28 message (one whose `_meta` names a modern protocol version) needs no session:
/// it is POSTed on its own with the headers that mirror its body (`MCP-Protocol-Version`,
/// `Mcp-Method`, `Mcp-Name`), and its answer relayed, a `subscriptions/listen` stream for as
/// long as it lasts. `notifications/cancelled` for such a request closes its POST, which is
/// how Streamable HTTP cancels.
///
/// When the client's input ends, requests in flight finish and the session is ended with DELETE.
public actor MCPRelay {
    private let endpoint: String
    private let headers: HTTPHeaders
    private let requestTimeout: TimeAmount
    private let http: HTTPClient
    private let logger: Logger

    private var client: (any MCP.Transport)?
    private var sessionID: String?
    private var protocolVersion: String?
    private var announcesToolChanges = false
    /// The client's `initialize` request, replayed to open a new session.
    private var initialize: JSONValue?
    private var renewal: Task<Bool, Never>?
    private var renewals = 0
    private var events: Task<Void, Never>?
    private var closing = false
    /// The 2026-07-28 requests under way, by id: cancelling one closes its POST.
    private var modernRequests: [JSONValue: Task<Void, Never>] = [:]
    /// Those of them that are `subscriptions/listen` streams, which end with the client's input.
    private var subscriptions: Set<JSONValue> = []

    /// The largest JSON answer relayed; event streams are relayed event by event.
    static let maximumAnswerBytes = 64 << 20

    /// A relay to `endpoint` (the MCP URL, query included) sending `headers` (such as
    /// `Authorization`) with every request over `http` (see `withHTTPClient(_:)`).
    ///
    /// - Parameter requestTimeout: how long one client request may take, answer included.
    public init(
        endpoint: String, headers: HTTPHeaders, http: HTTPClient, requestTimeout: Duration = .seconds(600),
        logger: Logger = Logger(label: "junction.mcp.relay")
    ) {
        self.endpoint = endpoint
        self.headers = headers
        self.requestTimeout = TimeAmount(requestTimeout)
        self.http = http
        self.logger = logger
    }

    /// Runs `body` with an HTTP client fit for relaying, shut down however `body` ends: a
    /// refused connection fails its request at once (and the client hears why) instead of
    /// being retried silently until the request's deadline.
    public static func withHTTPClient<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: (HTTPClient) async throws -> sending T
    ) async throws -> sending T {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(10)
        configuration.connectionPool.retryConnectionEstablishment = false
        return try await withClosing(
            HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration), close: { try await $0.shutdown() }, body)
    }

    /// The MCP endpoint of the Junction server at `serverURL` (`/mcp` is added unless the
    /// path already ends with it) for `tenant` (platform keys) in `mode`; `nil` unless
    /// `serverURL` is an http or https URL with a host.
    public static func junctionEndpoint(serverURL: String, tenant: String?, mode: ToolMode) -> String? {
        guard var components = URLComponents(string: serverURL), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", components.host?.isEmpty == false
        else { return nil }
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        if !path.hasSuffix("/mcp") { path += "/mcp" }
        components.path = path
        var query = components.queryItems ?? []
        if let tenant { query.append(URLQueryItem(name: "tenant", value: tenant)) }
        if mode == .meta { query.append(URLQueryItem(name: "tools", value: mode.rawValue)) }
        components.queryItems = query.isEmpty ? nil : query
        return components.string
    }

    /// Relays `client`'s messages until its input ends, then ends the session.
    public func run(client: any MCP.Transport) async throws {
        self.client = client
        try await client.connect()
        let messages = await client.receive()
        await withDiscardingTaskGroup { group in
            do {
                for try await data in messages {
                    let message = ClientMessage(data)
                    if let version = message.modernVersion {
                        if let id = message.id, message.isRequest {
                            let relaying = startModern(message, version: version, id: id)
                            group.addTask { await self.modernEnded(id, relaying) }
                        }
                    } else if let cancelled = message.cancelledRequest, let request = modernRequests.removeValue(forKey: cancelled) {
                        request.cancel()
                    } else if message.isRequest, message.method != "initialize" {
                        group.addTask { await self.relay(message) }
                    } else {
                        // `initialize` opens the session the rest need; notifications and
                        // responses keep their order.
                        await relay(message)
                    }
                }
            } catch {
                logger.warning("The MCP client's input failed: \(error)")
            }
            for id in subscriptions { modernRequests[id]?.cancel() }
        }
        closing = true
        events?.cancel()
        await events?.value
        if let renewal { _ = await renewal.value }
        await endSession()
        await client.disconnect()
    }

    // MARK: Client messages

    /// One message from the client, with what routing needs from it.
    struct ClientMessage: Sendable {
        let data: Data
        let json: JSONValue?
        var id: JSONValue? { json?["id"] }
        var method: String? { json?["method"]?.stringValue }
        var isRequest: Bool { id != nil && method != nil }
        var isInitialize: Bool { method == "initialize" }
        /// The 2026-07-28 protocol version a request declares in `_meta` (a modern-only
        /// method without one is sent as the newest, for the server to refuse precisely).
        var modernVersion: String? {
            if let version = json?["params"]?["_meta"]?[ModernEnvelope.protocolVersionKey]?.stringValue, !MCPRevision.isLegacy(version) {
                return version
            }
            return method == "server/discover" || method == "subscriptions/listen" ? MCPRevision.modern[0] : nil
        }
        /// The request a `notifications/cancelled` cancels.
        var cancelledRequest: JSONValue? {
            method == "notifications/cancelled" && id == nil ? json?["params"]?["requestId"] : nil
        }

        init(_ data: Data) {
            self.data = data
            json = try? JSONCoding.decode(data)
        }

        /// The ids of the requests in this message (one, or those of a batch), which are owed an answer.
        var requestIDs: [JSONValue] {
            let members = json?.arrayValue ?? json.map { [$0] } ?? []
            return members.compactMap { member in member["method"] != nil ? member["id"] : nil }
        }
    }

    private func relay(_ message: ClientMessage) async {
        guard let json = message.json, json.objectValue != nil || json.arrayValue != nil else {
            await answer(id: .null, code: -32700, message: "Parse error: the message is not JSON.")
            return
        }
        if message.isInitialize { initialize = json }
        // A new session is being opened: the stale one would only answer 404.
        if let renewal { _ = await renewal.value }
        do {
            var session = sessionID
            var outcome = try await post(message, session: session)
            if case .sessionExpired = outcome, !message.isInitialize, let stale = session, await renew(after: stale) {
                session = sessionID
                outcome = try await post(message, session: session)
            }
            switch outcome {
            case .done(let newSession):
                if message.isInitialize, let newSession { sessionID = newSession }
            case .cut(let lastEventID):
                guard let session, let lastEventID, let id = message.id,
                      try await resume(session: session, after: lastEventID, answering: id)
                else { throw RelayFailure.unanswered }
            case .sessionExpired:
                throw RelayFailure.sessionLost
            }
            if message.method == "notifications/initialized" { openEventStream() }
        } catch {
            logger.warning("The MCP server did not take \(message.method ?? "a message"): \(Self.describe(error, endpoint: endpoint))")
            for id in message.requestIDs { await answer(id: id, failure: error) }
        }
    }

    // MARK: 2026-07-28 requests

    /// POSTs one 2026-07-28 request and relays its answer, JSON or an event stream, unless
    /// the client cancels it first; a request the server does not answer gets an error saying why.
    private func startModern(_ message: ClientMessage, version: String, id: JSONValue) -> Task<Void, Never> {
        let relaying = Task { await self.postModern(message, version: version, id: id) }
        modernRequests[id] = relaying
        if message.method == "subscriptions/listen" { subscriptions.insert(id) }
        return relaying
    }

    private func modernEnded(_ id: JSONValue, _ relaying: Task<Void, Never>) async {
        await relaying.value
        if modernRequests[id] == relaying { modernRequests[id] = nil }
        subscriptions.remove(id)
    }

    private func postModern(_ message: ClientMessage, version: String, id: JSONValue) async {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers = headers
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        request.headers.add(name: "MCP-Protocol-Version", value: version)
        if let method = message.method {
            request.headers.add(name: "Mcp-Method", value: method)
            if let member = MirroredHeaders.namedBy[method], let name = message.json?["params"]?[member]?.stringValue {
                request.headers.add(name: "Mcp-Name", value: MirroredHeaders.encode(name))
            }
        }
        request.body = .bytes(ByteBuffer(bytes: message.data))
        let listening = message.method == "subscriptions/listen"
        do {
            let response = try await listening
                ? http.execute(request, deadline: .distantFuture, logger: logger)
                : http.execute(request, timeout: requestTimeout, logger: logger)
            let contentType = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
            var answered = false
            if contentType.hasPrefix("text/event-stream") {
                var parser = EventStreamParser()
                answered = try await relayEvents(of: response, with: &parser, forwarding: true, answering: id)
            } else if contentType.hasPrefix("application/json") {
                let body = try await response.body.collect(upTo: Self.maximumAnswerBytes)
                answered = await received(Data(body.readableBytesView), forwarding: true, answering: id)
            }
            // A subscription that ends without its result was lost, which its client must hear.
            if answered || Task.isCancelled { return }
            guard (200..<300).contains(response.status.code) else {
                throw RelayFailure.refused(status: Int(response.status.code), body: ByteBuffer())
            }
            throw RelayFailure.unanswered
        } catch {
            if Task.isCancelled { return }
            logger.warning("The MCP server did not answer \(message.method ?? "a request"): \(Self.describe(error, endpoint: endpoint))")
            await answer(id: id, failure: error)
        }
    }

    // MARK: Requests to the server

    /// What one POST came to.
    private enum PostOutcome {
        /// Accepted or answered; an `initialize` answer names its new session.
        case done(newSession: String?)
        /// The answer stream ended before the answer; it may be resumed after `lastEventID`.
        case cut(lastEventID: String?)
        /// The server does not know the session.
        case sessionExpired
    }

    /// Why a message could not be relayed.
    enum RelayFailure: Error {
        /// The server answered `status` with `body`.
        case refused(status: Int, body: ByteBuffer)
        /// The session could not be opened again.
        case sessionLost
        /// The answer stream ended without the answer.
        case unanswered
    }

    /// POSTs `message` in `session`; relays the answer's messages to the client unless the
    /// relay sent the message itself (`forwarding` false).
    private func post(_ message: ClientMessage, session: String?, forwarding: Bool = true) async throws -> PostOutcome {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers = requestHeaders(session: session)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        request.body = .bytes(ByteBuffer(bytes: message.data))
        let response = try await http.execute(request, timeout: requestTimeout, logger: logger)
        // Only an `initialize` answer names a session: any other may be from a stale one.
        let newSession = message.isInitialize ? response.headers.first(name: "Mcp-Session-Id") : nil
        let answering = message.isRequest ? message.id : nil
        switch response.status.code {
        case 202, 204:
            return .done(newSession: newSession)
        case 200..<300:
            let contentType = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
            var answered = false
            var lastEventID: String?
            if contentType.hasPrefix("text/event-stream") {
                var parser = EventStreamParser()
                answered = try await relayEvents(of: response, with: &parser, forwarding: forwarding, answering: answering)
                lastEventID = parser.lastEventID
            } else {
                let body = try await response.body.collect(upTo: Self.maximumAnswerBytes)
                answered = await received(Data(body.readableBytesView), forwarding: forwarding, answering: answering)
            }
            return answered || answering == nil ? .done(newSession: newSession) : .cut(lastEventID: lastEventID)
        case 404 where session != nil:
            return .sessionExpired
        default:
            throw RelayFailure.refused(
                status: Int(response.status.code), body: (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer())
        }
    }

    /// Reads the event stream of `response` to its end, relaying each message; whether one of
    /// them was the answer to `answering`.
    private func relayEvents(
        of response: HTTPClientResponse, with parser: inout EventStreamParser, forwarding: Bool, answering: JSONValue?
    ) async throws -> Bool {
        var answered = false
        for try await chunk in response.body {
            for event in parser.feed(chunk.readableBytesView) {
                if await received(Data(event.data.utf8), forwarding: forwarding, answering: answering) { answered = true }
            }
        }
        if let last = parser.finish(), await received(Data(last.data.utf8), forwarding: forwarding, answering: answering) {
            answered = true
        }
        return answered
    }

    /// Picks up an answer stream that ended early, as the transport allows: a GET with the
    /// stream's last event id replays what followed. Whether the answer came.
    private func resume(session: String, after lastEventID: String, answering id: JSONValue) async throws -> Bool {
        var request = HTTPClientRequest(url: endpoint)
        request.headers = requestHeaders(session: session)
        request.headers.add(name: "Accept", value: "text/event-stream")
        request.headers.add(name: "Last-Event-ID", value: lastEventID)
        let response = try await http.execute(request, timeout: requestTimeout, logger: logger)
        guard response.status == .ok else { return false }
        var parser = EventStreamParser()
        return try await relayEvents(of: response, with: &parser, forwarding: true, answering: id)
    }

    private func requestHeaders(session: String?) -> HTTPHeaders {
        var headers = headers
        if let session { headers.add(name: "Mcp-Session-Id", value: session) }
        if let protocolVersion { headers.add(name: "MCP-Protocol-Version", value: protocolVersion) }
        return headers
    }

    /// A message from the server: notes what an `initialize` answer negotiated, relays it on
    /// one line (raw line breaks in JSON are only whitespace between tokens), and says
    /// whether it answers the request `answering`.
    @discardableResult
    private func received(_ message: Data, forwarding: Bool, answering: JSONValue? = nil) async -> Bool {
        var answers = false
        if answering != nil || protocolVersion == nil || !forwarding, let json = try? JSONCoding.decode(message) {
            answers = answering != nil && json["id"] == answering && (json["result"] != nil || json["error"] != nil)
            if let result = json["result"], let version = result["protocolVersion"]?.stringValue {
                protocolVersion = version
                announcesToolChanges = result["capabilities"]?["tools"]?["listChanged"] == true
            }
        }
        guard forwarding, !message.isEmpty else { return answers }
        var line = message
        if line.contains(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
            line = Data(line.map { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") ? UInt8(ascii: " ") : $0 })
        }
        do {
            try await client?.send(line)
        } catch {
            logger.debug("The MCP client no longer reads: \(error)")
        }
        return answers
    }

    /// Sends the client a message the relay makes itself.
    private func tell(_ message: JSONValue) async {
        guard let encoded = try? JSONCoding.encode(message) else { return }
        await received(encoded, forwarding: true)
    }

    /// Answers the client's request `id` with a JSON-RPC error.
    private func answer(id: JSONValue, code: Int, message: String, data: JSONValue? = nil) async {
        var error: [String: JSONValue] = ["code": .integer(code), "message": .string(message)]
        if let data { error["data"] = data }
        await tell(["jsonrpc": "2.0", "id": id, "error": .object(error)])
    }

    /// Answers the client's request `id` with what went wrong: the server's own JSON-RPC
    /// error when it sent one, otherwise its HTTP status and error, or why it was unreachable.
    private func answer(id: JSONValue, failure: any Error) async {
        guard case .refused(let status, let body) = failure as? RelayFailure else {
            await answer(id: id, code: -32000, message: Self.describe(failure, endpoint: endpoint))
            return
        }
        let json = try? JSONCoding.decode(Array(body.readableBytesView))
        if let error = json?["error"], let code = error["code"]?.intValue, let message = error["message"]?.stringValue {
            await answer(id: id, code: code, message: message, data: error["data"])
            return
        }
        let code = json?["error"]?["code"]?.stringValue
        let message = json?["error"]?["message"]?.stringValue ?? HTTPResponseStatus(statusCode: status).reasonPhrase
        var data: [String: JSONValue] = ["http_status": .integer(status)]
        if let code { data["code"] = .string(code) }
        await answer(id: id, code: -32000, message: "The MCP server answered HTTP \(status): \(message)", data: .object(data))
    }

    /// A failure in words, naming the server by scheme, host and port only.
    static func describe(_ error: any Error, endpoint: String) -> String {
        switch error {
        case RelayFailure.refused(let status, _):
            return "HTTP \(status)"
        case RelayFailure.sessionLost:
            return "The MCP session ended and could not be opened again."
        case RelayFailure.unanswered:
            return "The MCP server closed the answer stream without answering (the session may have ended); "
                + "the request may or may not have run."
        case let error as HTTPClientError where error == .deadlineExceeded:
            return "The MCP server did not answer in time."
        default:
            let server = URLComponents(string: endpoint).map { "\($0.scheme ?? "http")://\($0.host ?? "")\($0.port.map { ":\($0)" } ?? "")" }
            return "Could not reach the MCP server at \(server ?? "its URL"): \(error)"
        }
    }

    // MARK: Sessions

    /// Replaces the session `stale`, once however many requests noticed; whether a new one is open.
    private func renew(after stale: String) async -> Bool {
        if sessionID != stale { return sessionID != nil }
        if let renewal { return await renewal.value }
        let task = Task { await self.reopen(replacing: stale) }
        renewal = task
        let renewed = await task.value
        renewal = nil
        return renewed
    }

    /// Opens a new session by replaying the client's `initialize`, then ends `stale` (which
    /// may still exist when only its event stream was lost).
    private func reopen(replacing stale: String) async -> Bool {
        guard !closing, case .object(var fields)? = initialize else { return false }
        renewals += 1
        fields["id"] = .string("junction-relay-\(renewals)")
        do {
            let replay = ClientMessage(try JSONCoding.encode(JSONValue.object(fields)))
            guard case .done(let session?) = try await post(replay, session: nil, forwarding: false) else {
                logger.warning("The MCP server's answer to initialize named no session")
                return false
            }
            let initialized = ClientMessage(try JSONCoding.encode(["jsonrpc": "2.0", "method": "notifications/initialized"] as JSONValue))
            guard case .done = try await post(initialized, session: session, forwarding: false) else { return false }
            sessionID = session
        } catch {
            logger.warning("The MCP session could not be opened again: \(Self.describe(error, endpoint: endpoint))")
            return false
        }
        logger.info("MCP session opened again", metadata: ["mcp.session": .string(sessionID ?? "")])
        await delete(stale)
        openEventStream()
        if announcesToolChanges {
            // Changes while the session was gone were never announced.
            await tell(["jsonrpc": "2.0", "method": "notifications/tools/list_changed"])
        }
        return true
    }

    private func endSession() async {
        guard let session = sessionID else { return }
        sessionID = nil
        await delete(session)
    }

    /// Ends `session` on the server, if it still exists.
    private func delete(_ session: String) async {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .DELETE
        request.headers = requestHeaders(session: session)
        _ = try? await http.execute(request, timeout: .seconds(5), logger: logger)
    }

    // MARK: Server messages

    private func openEventStream() {
        guard !closing, let session = sessionID else { return }
        events?.cancel()
        events = Task { await self.listen(session: session) }
    }

    /// Relays the session's GET event stream, reopening it when it drops, until the session
    /// changes or the server says it has no such stream.
    private func listen(session: String) async {
        var parser = EventStreamParser()
        var failures = 0
        while !Task.isCancelled, !closing, sessionID == session {
            var request = HTTPClientRequest(url: endpoint)
            request.headers = requestHeaders(session: session)
            request.headers.add(name: "Accept", value: "text/event-stream")
            let resuming = parser.lastEventID
            if let resuming { request.headers.add(name: "Last-Event-ID", value: resuming) }
            do {
                let response = try await http.execute(request, deadline: .distantFuture, logger: logger)
                switch response.status.code {
                case 200:
                    failures = 0
                    _ = try await relayEvents(of: response, with: &parser, forwarding: true, answering: nil)
                case let status where status == 404 || status == 409 || (status == 400 && resuming != nil):
                    // The session is gone (404), or its one stream is held by a connection
                    // that dropped (409) or cannot be resumed (400): a new session has a new
                    // stream, whose listener takes over.
                    if await renew(after: session) { return }
                    failures += 1
                case 405:
                    logger.debug("The MCP server offers no event stream")
                    return
                default:
                    failures += 1
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                logger.debug("The MCP event stream dropped: \(Self.describe(error, endpoint: endpoint))")
            }
            parser.reconnected()
            let base = Double(max(parser.retryMilliseconds ?? 1000, 250)) / 1000
            try? await Task.sleep(for: .seconds(min(base * Double(1 << min(failures, 5)), 30)))
        }
    }
}
