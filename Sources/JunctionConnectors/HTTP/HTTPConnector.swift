import AsyncHTTPClient
import Foundation
import JunctionCore
import NIOCore
import NIOHTTP1

/// `http`: calls a REST (or any HTTP) API at the connector's `connection_url`.
///
/// Each resource names a method and a path template; input fields go to the path, query,
/// headers or a JSON body (see `HTTPRoute`). The answer is parsed by its content type: JSON,
/// text, or `{"content_type", "base64"}` for binary bodies.
public struct HTTPConnector: Connector, ConnectionTestable {
    public static var spec: ConnectorSpec { .http }

    private let transport: HTTPTransport
    private let routes: [Slug: HTTPRoute]
    private let testPath: String?

    public init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {
        transport = try HTTPTransport(configuration: configuration, context: context)
        testPath = configuration.options["test_path"]?.stringValue
        var routes: [Slug: HTTPRoute] = [:]
        for (index, resource) in configuration.resources.enumerated() {
            routes[resource.slug] = try HTTPRoute(resource, field: "options.resources[\(index)]")
        }
        self.routes = routes
    }

    public func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult {
        guard let route = routes[resource.slug] else {
            throw JunctionError.notFound("Connector '\(transport.name)' has no resource '\(resource.slug)'.")
        }
        var parts = try route.parts(from: input)
        if let credential = transport.configuration.credential, credential.kind == .apiKey,
           credential.fields["in"]?.stringValue == "path", let name = credential.fields["key_name"]?.stringValue
        {
            // The key fills its placeholder in the path (e.g. Telegram's /bot{token}/…).
            parts.path[name] = credential.fields["value"]?.stringValue
        }
        let path = try route.path.render(parts.path, fieldPrefix: parts.pathFieldPrefix)
        let answer = try await transport.send(
            method: route.method, path: path, query: route.query + parts.query, headers: route.headers + parts.headers,
            body: try parts.body.map(route.body), call: call)
        let contentType = answer.headers.first(name: "Content-Type")
        guard (200..<300).contains(answer.status) else {
            throw transport.failure(answer, body: Self.decode(answer.body, contentType: contentType))
        }
        return ConnectorResult(payload: try decodeSuccess(answer, contentType: contentType), status: answer.status)
    }

    /// Runs the resource marked `test`, or else requests `connection_url` (+ `test_path`):
    /// any answer but 401/403 or a 5xx means the connector can reach its system.
    public func testConnection(call: CallContext) async throws {
        if let resource = transport.configuration.resources.first(where: \.isConnectionTest) {
            _ = try await execute(resource, input: .object([:]), call: call)
            return
        }
        try transport.checkReachable(try await transport.send(method: .GET, path: testPath ?? "", body: nil, call: call))
    }

    /// A successful answer's body: JSON is checked and kept as the upstream's text (parsed only
    /// if something needs its value); one labelled JSON that does not parse is an
    /// `upstream_error` naming the parse failure, with the text the upstream sent as its body.
    private func decodeSuccess(_ answer: HTTPTransport.Answer, contentType: String?) throws(JunctionError) -> JSONPayload {
        guard answer.body.readableBytes > 0, contentType?.lowercased().containsBytes(of: "json") == true else {
            return .value(Self.decode(answer.body, contentType: contentType))
        }
        do {
            return .text(try JSONText(validating: answer.body.readableBytesView))
        } catch {
            throw JunctionError(
                .upstreamError, "The answer of connector '\(transport.name)' is labelled \(contentType ?? "JSON") but is not valid JSON: \(error).",
                upstreamStatus: answer.status, upstreamBody: .string(String(buffer: answer.body)))
        }
    }

    /// The body as JSON when it is JSON, text when it is text, else base64 with its type.
    static func decode(_ bytes: ByteBuffer, contentType: String?) -> JSONValue {
        guard bytes.readableBytes > 0 else { return .null }
        let type = contentType?.lowercased() ?? ""
        let isJSON = type.containsBytes(of: "json")
        if isJSON || type.isEmpty, let json = try? JSONCoding.decode(bytes.readableBytesView) {
            return json
        }
        if type.hasPrefix("text/") || isJSON || type.containsBytes(of: "xml") || type.containsBytes(of: "x-www-form-urlencoded") {
            return .string(String(buffer: bytes))
        }
        if type.isEmpty, let text = String(validating: bytes.readableBytesView, as: UTF8.self) {
            return .string(text)
        }
        return ["content_type": .string(contentType ?? "application/octet-stream"),
                "base64": .string(Data(bytes.readableBytesView).base64EncodedString())]
    }
}
