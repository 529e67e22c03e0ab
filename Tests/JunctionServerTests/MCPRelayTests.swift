import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionCore
import JunctionMCP
import JunctionTesting
import Logging
import MCP
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// `MCPRelay` against a scripted Streamable HTTP endpoint, for what a real server does only
/// by chance: sessions that vanish, answer streams cut short, refusals, batches.
struct MCPRelayTests {
    /// What the scripted endpoint saw: one line per request, `VERB session method id`.
    final class Script: Sendable {
        private let state = Mutex((sessions: 0, expired: Set<String>(), log: [String](), headers: [[String: String]]()))

        var log: [String] { state.withLock { $0.log } }
        /// The headers of each request, in order, names in lowercase.
        var headers: [[String: String]] { state.withLock { $0.headers } }

        func record(_ request: Request, _ message: JSONValue?) {
            let session = request.headers[HTTPField.Name("Mcp-Session-Id")!] ?? "-"
            let method = message?["method"]?.stringValue ?? "-"
            let id = message?["id"].map { "\($0.intValue.map(String.init) ?? $0.stringValue ?? "?")" } ?? "-"
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            state.withLock {
                $0.log.append("\(request.method.rawValue) \(session) \(method) \(id)")
                $0.headers.append(headers)
            }
        }

        func newSession() -> String { state.withLock { $0.sessions += 1; return "s\($0.sessions)" } }
        func expireAll() { state.withLock { $0.expired.formUnion((1...max($0.sessions, 1)).map { "s\($0)" }) } }
        func isExpired(_ session: String) -> Bool { state.withLock { $0.expired.contains(session) } }
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: (try? JSONCoding.encode(value)) ?? Data())))
    }

    static func events(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func result(_ id: JSONValue, _ value: JSONValue) -> String {
        String(decoding: (try? JSONCoding.encode(["jsonrpc": "2.0", "id": id, "result": value] as JSONValue)) ?? Data(), as: UTF8.self)
    }

    /// An MCP endpoint at `/mcp` whose tools behave as their names say.
    static func router(_ script: Script) -> Router<BasicRequestContext> {
        let router = Router()
        let sessionHeader = HTTPField.Name("Mcp-Session-Id")!
        router.post("/mcp") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let message = try? JSONCoding.decode(Array(body.readableBytesView))
            script.record(request, message)
            guard let message, message.objectValue != nil else {
                return json(["jsonrpc": "2.0", "id": .null, "error": ["code": -32600, "message": "Batches are not supported."]], status: .badRequest)
            }
            if message["method"] == "initialize", let id = message["id"] {
                let result: JSONValue = [
                    "protocolVersion": "2025-06-18", "capabilities": ["tools": ["listChanged": true]],
                    "serverInfo": ["name": "scripted", "version": "1"],
                ]
                return json(["jsonrpc": "2.0", "id": id, "result": result], headers: [sessionHeader: script.newSession()])
            }
            guard let session = request.headers[sessionHeader], !script.isExpired(session) else {
                return json(["jsonrpc": "2.0", "id": .null, "error": ["code": -32600, "message": "Session not found."]], status: .notFound)
            }
            guard let id = message["id"] else { return Response(status: .accepted) }
            switch message["params"]?["name"]?.stringValue {
            case "echo":
                let progress = #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}"#
                // The answer spans two data lines: the relay must send it as one line.
                let answer = result(id, ["content": [], "isError": false]).replacingOccurrences(of: ",", with: ",\ndata: ")
                return events("id: \(session)-1\ndata: \(progress)\n\nid: \(session)-2\ndata: \(answer)\n\n")
            case "cut", "drop":
                // Only the priming event: the answer must be fetched with Last-Event-ID.
                return events("id: \(message["params"]?["name"]?.stringValue ?? "")-\(id.intValue ?? 0)\nretry: 250\ndata: \n\n")
            default:
                return Response(status: .internalServerError, body: ResponseBody(byteBuffer: ByteBuffer(string: "boom")))
            }
        }
        router.get("/mcp") { request, _ -> Response in
            script.record(request, nil)
            // Resuming the cut answer of request N replays it; a dropped one is gone.
            guard let last = request.headers[HTTPField.Name("Last-Event-ID")!], last.hasPrefix("cut-"),
                  let id = Int(last.dropFirst(4))
            else { return Response(status: request.headers[HTTPField.Name("Last-Event-ID")!] == nil ? .methodNotAllowed : .badRequest) }
            return events("id: resumed\ndata: \(result(.integer(id), ["content": [], "resumed": true]))\n\n")
        }
        router.delete("/mcp") { request, _ -> Response in
            script.record(request, nil)
            return Response(status: .ok)
        }
        return router
    }

    /// The client side: what the test writes is what the relay reads, and the other way round.
    actor MemoryTransport: MCP.Transport {
        nonisolated let logger = Logger(label: "test.mcp.client")
        nonisolated let input: AsyncThrowingStream<Data, any Error>.Continuation
        private let messages: AsyncThrowingStream<Data, any Error>
        private var received: [JSONValue] = []

        init() {
            (messages, input) = AsyncThrowingStream<Data, any Error>.makeStream()
        }

        func connect() async throws {}
        func disconnect() async { input.finish() }
        func receive() -> AsyncThrowingStream<Data, any Error> { messages }

        func send(_ data: Data) async throws {
            #expect(!data.contains(UInt8(ascii: "\n")), "one message, one line")
            received.append(try JSONCoding.decode(data))
        }

        /// The next message the relay sent, waiting up to 10 s.
        func next() async throws -> JSONValue {
            let deadline = ContinuousClock.now + .seconds(10)
            while received.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            guard !received.isEmpty else { throw HarnessError("the relay sent nothing within 10 s") }
            return received.removeFirst()
        }

        /// Sends `message` to the relay as the client would.
        nonisolated func write(_ message: JSONValue) throws {
            input.yield(try JSONCoding.encode(message))
        }
    }

    static func call(_ id: Int, _ tool: String) -> JSONValue {
        ["jsonrpc": "2.0", "id": .integer(id), "method": "tools/call", "params": ["name": .string(tool), "arguments": [:]]]
    }

    @Test func relaysRenewsResumesAndAnswersEveryRequest() async throws {
        let script = Script()
        var logger = Logger(label: "scripted")
        logger.logLevel = .critical
        let app = Application(router: Self.router(script), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        try await app.test(.live) { server in
            let port = try #require(server.port)
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            let relay = MCPRelay(
                endpoint: "http://127.0.0.1:\(port)/mcp", headers: ["Authorization": "Bearer jk_test_secret"], http: http)
            let client = MemoryTransport()
            let running = Task { try await relay.run(client: client) }

            try client.write([
                "jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "test", "version": "1"]],
            ])
            #expect(try await client.next()["result"]?["serverInfo"]?["name"] == "scripted")
            try client.write(["jsonrpc": "2.0", "method": "notifications/initialized"])

            // An event stream is relayed message by message, multi-line data as one line.
            try client.write(Self.call(2, "echo"))
            #expect(try await client.next()["method"] == "notifications/progress")
            #expect(try await client.next()["id"] == 2)

            // The session vanished: a new one is opened with the client's initialize, the
            // client is told to list its tools again, and the call is retried in it.
            script.expireAll()
            try client.write(Self.call(3, "echo"))
            #expect(try await client.next()["method"] == "notifications/tools/list_changed")
            #expect(try await client.next()["method"] == "notifications/progress")
            #expect(try await client.next()["id"] == 3)

            // An answer stream cut after its priming event is resumed with Last-Event-ID…
            try client.write(Self.call(4, "cut"))
            let resumed = try await client.next()
            #expect(resumed["id"] == 4)
            #expect(resumed["result"]?["resumed"] == true)
            // …and when it cannot be, the client hears so instead of waiting forever.
            try client.write(Self.call(5, "drop"))
            let dropped = try await client.next()
            #expect(dropped["id"] == 5)
            #expect(dropped["error"]?["code"] == -32000)
            #expect(dropped["error"]?["message"]?.stringValue?.contains("closed the answer stream without answering") == true)

            // A refusal is the request's error, naming the status.
            try client.write(Self.call(6, "fail"))
            let refused = try await client.next()
            #expect(refused["id"] == 6)
            #expect(refused["error"]?["message"] == "The MCP server answered HTTP 500: Internal Server Error")
            #expect(refused["error"]?["data"]?["http_status"] == 500)

            // Not JSON: a parse error. A refused batch: each of its requests is answered with
            // the server's JSON-RPC error.
            client.input.yield(Data("not json".utf8))
            let garbage = try await client.next()
            #expect(garbage["error"]?["code"] == -32700)
            #expect(garbage["id"] == .null)
            try client.write([Self.call(7, "echo"), ["jsonrpc": "2.0", "method": "notifications/cancelled"]])
            let batch = try await client.next()
            #expect(batch["id"] == 7)
            #expect(batch["error"]?["code"] == -32600)

            // End of input ends the session.
            client.input.finish()
            try await running.value
            try await http.shutdown()

            let log = script.log
            #expect(log.filter { $0.hasPrefix("POST - initialize") } == ["POST - initialize 1", "POST - initialize junction-relay-1"])
            #expect(log.contains("POST s1 tools/call 3"), "tried in the old session first")
            #expect(log.contains("DELETE s1 - -"), "the old session is ended")
            #expect(log.contains("POST s2 tools/call 3"), "and retried in the new one")
            #expect(log.contains("GET s2 - -"), "the event stream is opened in the new session")
            #expect(log.last == "DELETE s2 - -")
            let headers = script.headers
            #expect(headers.allSatisfy { $0["authorization"] == "Bearer jk_test_secret" })
            // After initialize, every request names the negotiated protocol version.
            #expect(headers.dropFirst().allSatisfy { $0["mcp-protocol-version"] == "2025-06-18" })
        }
    }
}
