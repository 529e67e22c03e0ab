import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionMCP
import JunctionRuntime
import NIOCore
import ServiceLifecycle

/// `POST|GET|DELETE /mcp`: MCP Streamable HTTP (2026-07-28 and 2025-11-25 side by side) for
/// the caller's tenant (`?tenant=` for a platform key in `invpc` mode), with every tool or,
/// with `?tools=meta`, the three meta tools. `MCPHTTPEndpoint` answers; this adapts
/// Hummingbird's requests and responses to it.
struct MCPController: Sendable {
    let endpoint: MCPHTTPEndpoint
    let scope: TenantScope
    let body: JSONBodyReader
    /// For links to approvals a call waits for.
    let publicURL: String?

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
        let payload = request.method == .post ? Array(try await body.bytes(request).readableBytesView) : nil
        var caller = ToolSession(tenantID: tenantID, actor: try context.actor(), mode: mode)
        caller.linkBase = PublicURL.base(of: request, configured: publicURL)
        let answer = await endpoint.handle(
            MCPHTTPRequest(method: request.method, headers: request.headers, body: payload), caller: caller)
        return Self.response(answer)
    }

    /// The Hummingbird response for the endpoint's: an event stream is written as it comes,
    /// asked to end gracefully when the server shuts down, and let go of when the client is
    /// gone (its comment lines make a dead connection's write fail within the keep-alive interval).
    static func response(_ answer: MCPHTTPResponse) -> Response {
        switch answer.body {
        case .bytes(let bytes):
            return Response(status: answer.status, headers: answer.headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .events(let events, let end):
            return Response(status: answer.status, headers: answer.headers, body: ResponseBody { writer in
                defer { end() }
                try await withGracefulShutdownHandler {
                    for await event in events {
                        try await writer.write(ByteBuffer(bytes: event))
                    }
                } onGracefulShutdown: {
                    end()
                }
                try await writer.finish(nil)
            })
        }
    }
}
