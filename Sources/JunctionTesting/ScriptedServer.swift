import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import NIOCore
import Synchronization

/// A real HTTP server on a loopback port that answers every POST from a script, in order, and
/// records what it received: it plays a model provider (scripted tool calls) or a webhook
/// receiver (failing a few times, then accepting).
public final class ScriptedServer: Sendable {
    /// One scripted answer.
    public struct Answer: Sendable {
        public var status: Int
        public var body: JSONValue
        /// How long to wait before answering.
        public var delay: Duration

        public init(status: Int = 200, _ body: JSONValue = [:], delay: Duration = .zero) {
            self.status = status
            self.body = body
            self.delay = delay
        }
    }

    /// A request as it arrived.
    public struct Received: Sendable {
        public var path: String
        /// Header names lowercased.
        public var headers: [String: String]
        public var body: [UInt8]
        /// The body as JSON (`null` when it is not JSON).
        public var json: JSONValue { (try? JSONCoding.decode(body)) ?? .null }
    }

    /// The server's base URL, e.g. `http://127.0.0.1:54321`.
    public let url: String
    private let state: State

    final class State: Sendable {
        let script: Mutex<[Answer]>
        /// Answered once the script has run out.
        let fallback: Answer
        let received = Mutex<[Received]>([])

        init(script: [Answer], fallback: Answer) {
            self.script = Mutex(script)
            self.fallback = fallback
        }
    }

    private init(url: String, state: State) {
        self.url = url
        self.state = state
    }

    /// The requests received so far, in order.
    public var received: [Received] { state.received.withLock { $0 } }

    /// Runs `body` with a server answering POSTs with `script`, then with `fallback` once the
    /// script has run out (by default a 500 saying so).
    public static func with<T: Sendable>(
        script: [Answer], fallback: Answer = Answer(status: 500, ["error": ["message": "The script has run out."]]),
        _ body: @Sendable (ScriptedServer) async throws -> T
    ) async throws -> T {
        let state = State(script: script, fallback: fallback)
        let router = Router()
        let answer: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let bytes = try await request.body.collect(upTo: 64 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            state.received.withLock { $0.append(Received(path: request.uri.path, headers: headers, body: Array(buffer: bytes))) }
            let answer = state.script.withLock { $0.isEmpty ? state.fallback : $0.removeFirst() }
            if answer.delay > .zero { try await Task.sleep(for: answer.delay) }
            return Response(
                status: .init(code: answer.status), headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try JSONCoding.encode(answer.body))))
        }
        router.on("/", method: .post, use: answer)
        router.on("**", method: .post, use: answer)
        return try await LoopbackServer.serve(router) { port in
            try await body(ScriptedServer(url: "http://127.0.0.1:\(port)", state: state))
        }
    }
}
