import Foundation
import JunctionCore
import Logging
import MCP
import NIOCore
import NIOHTTP1

/// The client side of MCP's Streamable HTTP transport on Junction's HTTP stack (the
/// swift-sdk's own client transport needs URLSession's streaming, which Linux lacks).
///
/// Each message is one POST to the endpoint through `HTTPTransport` (address guard, the
/// connector's credential, shared pools, deadline); the answer (JSON, or an event stream that
/// ends with the response) is read whole and its messages handed to the SDK's `Client`. The
/// session id and negotiated protocol version travel on every later request, and `disconnect`
/// ends the session with `DELETE`. Server-initiated streams (`GET`) are not opened: a
/// connector only calls tools.
actor MCPHTTPClientTransport: MCP.Transport {
    nonisolated let logger = Logger(label: "junction.mcp.client")
    private let http: HTTPTransport
    private let timeout: Duration
    private var sessionID: String?
    private var protocolVersion: String?
    /// Requests under way, cancelled together by `cancelRequests()`.
    private var inFlight: [Int: Task<HTTPTransport.Answer, any Error>] = [:]
    private var nextRequest = 0
    private let messages: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation

    init(http: HTTPTransport, timeout: Duration) {
        self.http = http
        self.timeout = timeout
        (messages, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
    }

    func connect() async throws {}

    func disconnect() async {
        if sessionID != nil {
            _ = try? await http.send(method: .DELETE, path: "", headers: sessionHeaders(), body: nil, call: call())
        }
        sessionID = nil
        continuation.finish()
    }

    func receive() -> AsyncThrowingStream<Data, any Error> { messages }

    func send(_ data: Data) async throws {
        let headers = sessionHeaders() + [("Accept", "application/json, text/event-stream")]
        let (http, call) = (self.http, self.call())
        let request = Task {
            try await http.send(
                method: .POST, path: "", headers: headers, body: .bytes(Array(data), contentType: "application/json"), call: call)
        }
        nextRequest += 1
        let number = nextRequest
        inFlight[number] = request
        defer { inFlight[number] = nil }
        let answer = try await withTaskCancellationHandler { try await request.value } onCancel: { request.cancel() }
        if let id = answer.headers.first(name: "Mcp-Session-Id") { sessionID = id }
        switch answer.status {
        case 202:
            return
        case 200..<300:
            let contentType = answer.headers.first(name: "Content-Type")?.lowercased() ?? ""
            let body = Data(answer.body.readableBytesView)
            let received = contentType.hasPrefix("text/event-stream") ? Self.events(in: body) : [body]
            for message in received where !message.isEmpty {
                noteProtocolVersion(message)
                continuation.yield(message)
            }
        case 404 where sessionID != nil:
            sessionID = nil
            throw JunctionError(.upstreamError, "The MCP server ended the session.", retryable: true, upstreamStatus: 404)
        default:
            throw http.failure(answer, body: HTTPConnector.decode(answer.body, contentType: answer.headers.first(name: "Content-Type")))
        }
    }

    /// Cancels every request under way (their connections are closed): the caller gave up on them.
    func cancelRequests() {
        for request in inFlight.values { request.cancel() }
    }

    private func sessionHeaders() -> [(String, String)] {
        var headers: [(String, String)] = []
        if let sessionID { headers.append(("Mcp-Session-Id", sessionID)) }
        if let protocolVersion { headers.append(("MCP-Protocol-Version", protocolVersion)) }
        return headers
    }

    private func call() -> CallContext {
        CallContext(requestID: Identifier.make("req"), deadline: .now + timeout)
    }

    /// Remembers the version the server chose in its `initialize` answer.
    private func noteProtocolVersion(_ message: Data) {
        guard protocolVersion == nil, let json = try? JSONCoding.decode(message),
              let version = json["result"]?["protocolVersion"]?.stringValue
        else { return }
        protocolVersion = version
    }

    /// The `data` of each event in a complete `text/event-stream` body.
    static func events(in body: Data) -> [Data] {
        var parser = EventStreamParser()
        var events = parser.feed(body)
        if let last = parser.finish() { events.append(last) }
        return events.map { Data($0.data.utf8) }
    }
}
