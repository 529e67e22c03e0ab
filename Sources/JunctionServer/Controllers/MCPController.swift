import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionMCP
import JunctionRuntime
import MCP
import NIOCore
import ServiceLifecycle

/// `POST|GET|DELETE /mcp`: MCP Streamable HTTP for the caller's tenant (`?tenant=` for a
/// platform key in `invpc` mode), with every tool or, with `?tools=meta`, the three meta tools.
/// Bridges Hummingbird requests to the swift-sdk's stateful transport held by `MCPSessions`.
struct MCPController: Sendable {
    let sessions: MCPSessions
    let scope: TenantScope
    let body: JSONBodyReader

    func register(on router: Router<JunctionRequestContext>) {
        for method in [HTTPRequest.Method.post, .get, .delete] {
            router.on("mcp", method: method, use: handle)
        }
    }

    @Sendable func handle(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        let modeText = request.uri.queryParameters["tools"].map(String.init) ?? ToolMode.all.rawValue
        guard let mode = ToolMode(rawValue: modeText) else {
            throw JunctionError.invalidInput("Must be all or meta.", field: "tools")
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            headers[field.name.canonicalName] = headers[field.name.canonicalName].map { "\($0), \(field.value)" } ?? field.value
        }
        let payload = request.method == .post ? Data(try await body.bytes(request).readableBytesView) : nil
        let answer = await sessions.handle(
            MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: payload, path: "/mcp"),
            session: ToolSession(tenantID: tenantID, actor: try context.actor(), mode: mode))
        return Self.response(answer)
    }

    /// The Hummingbird response for the SDK's: an event stream is written as it comes and
    /// ends when the session closes or the server shuts down.
    static func response(_ answer: MCP.HTTPResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        let status = HTTPResponse.Status(code: answer.statusCode)
        switch answer {
        case .stream(let events, _):
            return Response(status: status, headers: fields, body: ResponseBody { writer in
                // Relayed so that graceful shutdown can end the stream (the SDK's cannot be
                // finished from outside); the relay also ends when the session closes.
                let (relay, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
                let pump = Task { await continuation.forward(events) }
                defer { pump.cancel() }
                try await withGracefulShutdownHandler {
                    for try await event in relay {
                        try await writer.write(ByteBuffer(bytes: event))
                    }
                } onGracefulShutdown: {
                    continuation.finish()
                }
                try await writer.finish(nil)
            })
        default:
            let bytes = answer.bodyData ?? Data()
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
