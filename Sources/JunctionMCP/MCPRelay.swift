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
///   arrives. Requests travel concurrently; notifications and responses keep their order.
/// - Once the session is initialized, a GET event stream carries the server's own messages
///   (`notifications/tools/list_changed`). A dropped stream is reopened with `Last-Event-ID`,
///   backing off while the server is unreachable.
/// - A session the server no longer knows (404: idle timeout, restart) is opened again by
///   replaying the client's `initialize`, then the request is retried. The client, which
///   cannot tell, is told its tool list may have changed.
/// - A request the server does not answer (unreachable, refused key) gets a JSON-RPC error
///   that says why, so the client never waits for nothing.
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

    /// The largest JSON answer relayed; event streams are relayed event by event.
    static let maximumAnswerBytes = 64 << 20

    /// A relay to `endpoint` (the MCP URL, query included) sending `headers` (such as
    /// `Authorization`) with every request.
    ///
    /// - Parameter requestTimeout: how long one client request may take, answer included.
    public init(
        endpoint: String, headers: HTTPHeaders, requestTimeout: Duration = .seconds(600),
        logger: Logger = Logger(label: "junction.mcp.relay")
    ) {
        self.endpoint = endpoint
        self.headers = headers
        self.requestTimeout = .nanoseconds(Int64(requestTimeout.components.seconds) * 1_000_000_000)
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(10)
        // A refused connection fails the request now (and the client hears why) instead of
        // being retried silently until the request's deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.logger = logger
    }

    /// The MCP endpoint of the Junction server at `serverURL` (`/mcp` is added unless the
    /// path already ends with it) for `tenant` (platform keys) in `mode`; `nil` unless
    /// `serverURL` is an http or https URL with a host.
    public static func junctionEndpoint(serverURL: String, tenant: String?, mode: ToolMode) -> String? {
        guard var components = URLComponents(string: serverURL), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", components.host?.isEmpty == false
        else { return nil }
        var path = components.path
        if !path.hasSuffix("/mcp") {
            if path.hasSuffix("/") { path.removeLast() }
            path += "/mcp"
        }
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
                    if message.isRequest, message.method != "initialize" {
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
        }
        events?.cancel()
        await endSession()
        await client.disconnect()
        try? await http.shutdown()
    }

    // MARK: Client messages

    /// One message from the client, with what routing needs from it.
    struct ClientMessage: Sendable {
        let data: Data
        let json: JSONValue?
        var id: JSONValue? { json?["id"] }
        var method: String? { json?["method"]?.stringValue }
        var isRequest: Bool { id != nil && method != nil }

        init(_ data: Data) {
            self.data = data
            json = try? JSONCoding.decode(data)
        }
    }

    private func relay(_ message: ClientMessage) async {
        guard let json = message.json, json.objectValue != nil || json.arrayValue != nil else {
            await answer(id: .null, code: -32700, message: "Parse error: the message is not JSON.")
            return
        }
        if message.method == "initialize" { initialize = json }
        do {
            var used = sessionID
            var outcome = try await post(message.data, session: used, forwarding: true)
            if outcome == .sessionExpired, message.method != "initialize", let stale = used, await renew(after: stale) {
                used = sessionID
                outcome = try await post(message.data, session: used, forwarding: true)
            }
            if outcome == .sessionExpired { throw RelayFailure.sessionLost }
            if message.method == "notifications/initialized" { openEventStream() }
        } catch {
            logger.warning("The MCP server did not take \(message.method ?? "a message"): \(Self.describe(error, endpoint: endpoint))")
            if message.isRequest, let id = message.id { await answer(id: id, failure: error) }
        }
    }

    // MARK: Requests to the server

    private enum PostOutcome {
        case delivered
        case sessionExpired
    }

    /// Why a message could not be relayed.
    enum RelayFailure: Error {
        /// The server answered `status` with `body`.
        case refused(status: Int, body: ByteBuffer)
        /// The session could not be opened again.
        case sessionLost
    }

    /// POSTs one message; with `forwarding`, relays the answer's messages to the client.
    private func post(_ body: Data, session: String?, forwarding: Bool) async throws -> PostOutcome {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers = requestHeaders(session: session)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await http.execute(request, timeout: requestTimeout, logger: logger)
        if sessionID == nil, let id = response.headers.first(name: "Mcp-Session-Id") { sessionID = id }
        switch response.status.code {
        case 202, 204:
            return .delivered
        case 200..<300:
            let contentType = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
            if contentType.hasPrefix("text/event-stream") {
                var parser = EventStreamParser()
                for try await chunk in response.body {
                    for event in parser.feed(chunk.readableBytesView) { await received(Data(event.data.utf8), forwarding: forwarding) }
                }
                if let last = parser.finish() { await received(Data(last.data.utf8), forwarding: forwarding) }
            } else {
                let answer = try await response.body.collect(upTo: Self.maximumAnswerBytes)
                if answer.readableBytes > 0 { await received(Data(answer.readableBytesView), forwarding: forwarding) }
            }
            return .delivered
        case 404 where session != nil:
            return .sessionExpired
        default:
            throw RelayFailure.refused(
                status: Int(response.status.code), body: (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer())
        }
    }

    private func requestHeaders(session: String?) -> HTTPHeaders {
        var headers = headers
        if let session { headers.add(name: "Mcp-Session-Id", value: session) }
        if let protocolVersion { headers.add(name: "MCP-Protocol-Version", value: protocolVersion) }
        return headers
    }

    /// A message from the server: notes what the `initialize` answer negotiated, then
    /// relays it on one line (raw line breaks in JSON are only whitespace between tokens).
    private func received(_ message: Data, forwarding: Bool) async {
        if protocolVersion == nil || !forwarding, let json = try? JSONCoding.decode(message),
           let result = json["result"], let version = result["protocolVersion"]?.stringValue {
            protocolVersion = version
            announcesToolChanges = result["capabilities"]?["tools"]?["listChanged"] == true
        }
        guard forwarding else { return }
        var line = message
        if line.contains(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
            line = Data(line.map { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") ? UInt8(ascii: " ") : $0 })
        }
        do {
            try await client?.send(line)
        } catch {
            logger.debug("The MCP client no longer reads: \(error)")
        }
    }

    /// Answers the client's request `id` with a JSON-RPC error.
    private func answer(id: JSONValue, code: Int, message: String, data: JSONValue? = nil) async {
        var error: [String: JSONValue] = ["code": .integer(code), "message": .string(message)]
        if let data { error["data"] = data }
        guard let encoded = try? JSONCoding.encode(["jsonrpc": "2.0", "id": id, "error": .object(error)] as JSONValue) else { return }
        await received(Data(encoded), forwarding: true)
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
        case let error as HTTPClientError where error == .deadlineExceeded:
            return "The MCP server did not answer in time."
        default:
            let server = URLComponents(string: endpoint).map { "\($0.scheme ?? "http")://\($0.host ?? "")\($0.port.map { ":\($0)" } ?? "")" }
            return "Could not reach the MCP server at \(server ?? "its URL"): \(error)"
        }
    }

    // MARK: Sessions

    /// Opens a new session after `stale` expired, once however many requests noticed;
    /// whether one is open.
    private func renew(after stale: String) async -> Bool {
        if let sessionID, sessionID != stale { return true }
        if let renewal { return await renewal.value }
        let task = Task { await self.reopen() }
        renewal = task
        let renewed = await task.value
        renewal = nil
        return renewed
    }

    private func reopen() async -> Bool {
        guard case .object(var initialize)? = initialize else { return false }
        events?.cancel()
        sessionID = nil
        renewals += 1
        initialize["id"] = .string("junction-relay-\(renewals)")
        do {
            _ = try await post(try JSONCoding.encode(JSONValue.object(initialize)), session: nil, forwarding: false)
            guard let session = sessionID else { return false }
            let initialized: JSONValue = ["jsonrpc": "2.0", "method": "notifications/initialized"]
            _ = try await post(try JSONCoding.encode(initialized), session: session, forwarding: false)
        } catch {
            logger.warning("The MCP session could not be opened again: \(Self.describe(error, endpoint: endpoint))")
            return false
        }
        logger.info("MCP session opened again", metadata: ["mcp.session": .string(sessionID ?? "")])
        openEventStream()
        if announcesToolChanges {
            // Changes while the session was gone were never announced.
            let changed: JSONValue = ["jsonrpc": "2.0", "method": "notifications/tools/list_changed"]
            if let encoded = try? JSONCoding.encode(changed) { await received(Data(encoded), forwarding: true) }
        }
        return true
    }

    private func endSession() async {
        guard let session = sessionID else { return }
        var request = HTTPClientRequest(url: endpoint)
        request.method = .DELETE
        request.headers = requestHeaders(session: session)
        _ = try? await http.execute(request, timeout: .seconds(5), logger: logger)
        sessionID = nil
    }

    // MARK: Server messages

    private func openEventStream() {
        guard let session = sessionID else { return }
        events?.cancel()
        events = Task { await self.listen(session: session) }
    }

    /// Relays the session's GET event stream, reopening it when it drops, until the session
    /// changes or the server says it has no such stream.
    private func listen(session: String) async {
        var parser = EventStreamParser()
        var failures = 0
        while !Task.isCancelled, sessionID == session {
            var request = HTTPClientRequest(url: endpoint)
            request.headers = requestHeaders(session: session)
            request.headers.add(name: "Accept", value: "text/event-stream")
            if let last = parser.lastEventID { request.headers.add(name: "Last-Event-ID", value: last) }
            do {
                let response = try await http.execute(request, deadline: .distantFuture, logger: logger)
                switch response.status.code {
                case 200:
                    failures = 0
                    for try await chunk in response.body {
                        for event in parser.feed(chunk.readableBytesView) { await received(Data(event.data.utf8), forwarding: true) }
                    }
                case 404:
                    // Renewal opens the new session's stream.
                    _ = await renew(after: session)
                    return
                case 405:
                    logger.debug("The MCP server offers no event stream")
                    return
                case 400 where parser.lastEventID != nil:
                    // The events after the last id are gone: start afresh.
                    parser = EventStreamParser()
                default:
                    failures += 1
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                logger.debug("The MCP event stream dropped: \(Self.describe(error, endpoint: endpoint))")
            }
            let base = Double(parser.retryMilliseconds ?? 1000) / 1000
            try? await Task.sleep(for: .seconds(min(base * Double(1 << min(failures, 5)), 30)))
        }
    }
}
