import Foundation
import JunctionCore
import MCP

/// A `tools/call` request that Junction answers itself instead of passing it through the
/// swift-sdk's server: the SDK decodes every message into its `Value` type (about 2 ms of CPU
/// per call, mostly compiling a regular expression per string to look for data URLs), which
/// capped a session at a few hundred calls a second.
///
/// Only one plain, well-formed request qualifies: a POST in an existing session, JSON in,
/// both JSON and event streams accepted, a supported protocol version (or none), a single
/// JSON-RPC request with a string or integer id. Anything else, errors included, goes to the
/// SDK, which answers exactly as before. The answer is one JSON object
/// (`Content-Type: application/json`), as Streamable HTTP allows for any request.
struct DirectToolCall {
    /// The JSON-RPC id, echoed in the answer.
    let id: JSONValue
    let name: String
    let arguments: JSONValue

    /// The call `request` makes, whose body is `message`, if it qualifies.
    init?(_ request: MCP.HTTPRequest, message: JSONValue) {
        guard request.method.uppercased() == "POST",
              Self.mediaType(request.header(HTTPHeaderName.contentType)) == "application/json",
              Self.accepts(request.header(HTTPHeaderName.accept)),
              request.header(HTTPHeaderName.protocolVersion).map(Version.supported.contains) ?? true,
              case .object(let message) = message,
              message["jsonrpc"] == "2.0", message["method"] == "tools/call",
              let id = message["id"], RequestIDCheck.isAllowed(id),
              case .object(let parameters)? = message["params"], let name = parameters["name"]?.stringValue
        else { return nil }
        let arguments = parameters["arguments"] ?? .object([:])
        guard arguments.objectValue != nil else { return nil }
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    /// The JSON-RPC answer: the tool's result, or the protocol error the call raised.
    func answer(_ outcome: Result<CallTool.Result, MCPError>) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var body = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
        id.write(to: &body)
        switch outcome {
        case .success(let result):
            body += #","result":"#.utf8
            // The SDK's own types encode the result, so both paths answer the same shape.
            body += (try? encoder.encode(result)) ?? Data(#"{"content":[],"isError":true}"#.utf8)
        case .failure(let error):
            body += #","error":"#.utf8
            body += (try? encoder.encode(error)) ?? Data(#"{"code":-32603,"message":"Internal error"}"#.utf8)
        }
        body.append(UInt8(ascii: "}"))
        return Data(body)
    }

    private static func mediaType(_ header: String?) -> String? {
        header?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// Whether `Accept` lists both JSON and event streams, as the endpoint requires.
    private static func accepts(_ header: String?) -> Bool {
        guard let header else { return false }
        let types = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        return types.contains { $0.hasPrefix("application/json") } && types.contains { $0.hasPrefix("text/event-stream") }
    }
}
