import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime
import NIOCore

/// The console's way to the REST API: every page reads and writes through the same routes,
/// handlers and checks a client of `/api/v1` meets, in process, as the signed-in key.
///
/// So the console can do nothing the API does not offer, and a key's role, allow-lists and
/// tenant hold in the console exactly as they do over HTTP; its actions are audited as the key.
struct ConsoleAPI: Sendable {
    /// The router of `/api/v1` (and `/metrics`), with the role check but no authentication:
    /// the caller comes from the session.
    let responder: RouterResponder<JunctionRequestContext>

    /// One answer from the API.
    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: ByteBuffer
        /// The body as JSON, `null` when it is not JSON.
        var json: JSONValue

        var succeeded: Bool { (200..<300).contains(status.code) }
    }

    /// An error answer, as the API gave it.
    struct Problem: Error, Sendable {
        var status: HTTPResponse.Status
        var code: String
        var message: String
        var field: String?
        var details: JSONValue?

        init(status: HTTPResponse.Status, code: String, message: String, field: String? = nil, details: JSONValue? = nil) {
            self.status = status
            self.code = code
            self.message = message
            self.field = field
            self.details = details
        }

        init(_ answer: Answer) {
            let error = answer.json["error"]
            self.init(
                status: answer.status, code: error?["code"]?.stringValue ?? "http_\(answer.status.code)",
                message: error?["message"]?.stringValue ?? "The API answered \(answer.status.code).",
                field: error?["field"]?.stringValue, details: error?["details"])
        }
    }

    /// The JSON of a successful answer to `method path`; a `Problem` for an error answer.
    @discardableResult
    func json(
        _ method: HTTPRequest.Method, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil, as caller: ConsoleCaller
    ) async throws -> JSONValue {
        let answer = try await send(
            method, path, query: query, body: body.map { ByteBuffer(bytes: $0.jsonBytes) },
            contentType: body == nil ? nil : "application/json", as: caller)
        guard answer.succeeded else { throw Problem(answer) }
        return answer.json
    }

    /// `GET path` as JSON.
    func get(_ path: String, query: [(String, String)] = [], as caller: ConsoleCaller) async throws -> JSONValue {
        try await json(.get, path, query: query, as: caller)
    }

    /// Any answer to `method path` with `body` of `contentType`; the caller's tenant is added
    /// for a platform key unless `inTenant` is false.
    func send(
        _ method: HTTPRequest.Method, _ path: String, query: [(String, String)] = [], body: ByteBuffer? = nil,
        contentType: String? = nil, inTenant: Bool = true, as caller: ConsoleCaller
    ) async throws -> Answer {
        try await Self.answer(from: try await forward(method, path, query: query, body: body, contentType: contentType, inTenant: inTenant, as: caller))
    }

    /// `response` read into memory.
    static func answer(from response: Response) async throws -> Answer {
        let collector = BodyCollector()
        try await response.body.write(collector)
        let type = response.headers[.contentType] ?? ""
        let isJSON = type.hasPrefix("application/json") && collector.buffer.readableBytes > 0
        let json = isJSON ? (try? JSONCoding.decode(collector.buffer.readableBytesView) as JSONValue) ?? .null : .null
        return Answer(status: response.status, headers: response.headers, body: collector.buffer, json: json)
    }

    /// The API's response itself, its body not yet read (to stream an export to the browser).
    func forward(
        _ method: HTTPRequest.Method, _ path: String, query: [(String, String)] = [], body: ByteBuffer? = nil,
        contentType: String? = nil, inTenant: Bool = true, as caller: ConsoleCaller
    ) async throws -> Response {
        var query = query
        if inTenant, caller.principal.isPlatform, let tenantID = caller.tenantID { query.append(("tenant", tenantID)) }
        let target = query.isEmpty ? path : path + "?" + FormFields.encode(query)
        var headers = HTTPFields()
        for name in Self.forwardedHeaders { headers[name] = caller.request.headers[name] }
        if let contentType { headers[.contentType] = contentType }
        if let body { headers[.contentLength] = String(body.readableBytes) }
        let head = HTTPRequest(method: method, scheme: "http", authority: caller.request.head.authority, path: target, headerFields: headers)
        var context = caller.context
        context.principal = caller.principal
        context.client = "console"
        do {
            return try await responder.respond(to: Request(head: head, body: RequestBody(buffer: body ?? ByteBuffer())), context: context)
        } catch {
            return ErrorBody.response(RequestMiddleware.junctionError(from: error))
        }
    }

    /// What the API reads from the browser's request to build URLs it hands out.
    private static let forwardedHeaders: [HTTPField.Name] = [
        HTTPField.Name("X-Forwarded-Proto")!, HTTPField.Name("X-Forwarded-Host")!, .userAgent,
    ]

    /// `segment` percent-encoded for a path.
    static func segment(_ segment: some StringProtocol) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return String(segment).addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// Collects a response body in memory (a class: the body consumes the writer it is given).
private final class BodyCollector: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
