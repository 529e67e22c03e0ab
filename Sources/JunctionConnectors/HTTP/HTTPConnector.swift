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

    /// The most an answer body may hold; larger answers fail with `upstream_error`.
    public static let maxResponseBytes = 16 << 20

    private let configuration: ConnectorConfiguration
    private let baseURL: String
    private let defaultHeaders: [(String, String)]
    private let defaultQuery: [(String, String)]
    private let client: HTTPClient
    private let tokens: OAuth2TokenCache?
    private let routes: [Slug: HTTPRoute]
    private let testPath: String?
    private let name: String
    private let host: String
    private let addressGuard: AddressGuard

    public init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {
        guard let clients = context.services[HTTPClientsKey.self] else {
            throw JunctionError.internal("HTTP connectors need the shared HTTP clients.")
        }
        guard let url = configuration.connectionURL else {
            throw JunctionError.invalidInput("The connector has no connection_url.", field: "connection_url")
        }
        self.configuration = configuration
        self.name = configuration.name.rawValue
        self.baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        guard let host = URLComponents(string: url)?.host, !host.isEmpty else {
            throw JunctionError.invalidInput("The connection_url has no host.", field: "connection_url")
        }
        self.host = host
        self.addressGuard = context.services[AddressGuardKey.self] ?? AddressGuard(policy: NetworkPolicy())
        let options = configuration.options
        self.defaultHeaders = Self.pairs(options["headers"])
        self.defaultQuery = Self.pairs(options["query"])
        self.client = options["insecure_skip_verify"]?.boolValue == true ? clients.insecure : clients.verifying
        self.tokens = context.services[OAuth2TokenCacheKey.self]
        self.testPath = options["test_path"]?.stringValue
        var routes: [Slug: HTTPRoute] = [:]
        for (index, resource) in configuration.resources.enumerated() {
            routes[resource.slug] = try HTTPRoute(resource, field: "options.resources[\(index)]")
        }
        self.routes = routes
    }

    public func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult {
        guard let route = routes[resource.slug] else {
            throw JunctionError.notFound("Connector '\(name)' has no resource '\(resource.slug)'.")
        }
        var parts = try route.parts(from: input)
        if let credential = configuration.credential, credential.kind == .apiKey,
           credential.fields["in"]?.stringValue == "path", let name = credential.fields["key_name"]?.stringValue
        {
            // The key fills its placeholder in the path (e.g. Telegram's /bot{token}/…).
            parts.path[name] = credential.fields["value"]?.stringValue
        }
        let path = try route.path.render(parts.path, fieldPrefix: parts.pathFieldPrefix)
        return try await send(
            method: route.method, path: path, query: defaultQuery + route.query + parts.query,
            headers: defaultHeaders + route.headers + parts.headers, body: parts.body, call: call)
    }

    /// Runs the resource marked `test`, or else requests `connection_url` (+ `test_path`):
    /// any answer but 401/403 or a 5xx means the connector can reach its system.
    public func testConnection() async throws {
        let call = CallContext(requestID: Identifier.make("req"), deadline: .now + configuration.timeout)
        if let resource = configuration.resources.first(where: \.isConnectionTest) {
            _ = try await execute(resource, input: .object([:]), call: call)
            return
        }
        do {
            _ = try await send(method: .GET, path: testPath ?? "", query: defaultQuery, headers: defaultHeaders, body: nil, call: call)
        } catch let error as JunctionError where error.code == .upstreamError && (error.upstreamStatus ?? 500) < 500 {
            return
        }
    }

    private func send(
        method: HTTPMethod,
        path: String,
        query: [(String, String)],
        headers: [(String, String)],
        body: JSONValue?,
        call: CallContext
    ) async throws -> ConnectorResult {
        try await addressGuard.check(host: host)
        var headers = headers
        var query = query
        for (key, value) in call.headers { headers.append((key, value)) }
        let callHeaders = Set(call.headers.keys.map { $0.lowercased() })
        let tokenKey = configuration.credential.map { "\(configuration.tenantID):\(configuration.id):\($0.name)" }
        if let credential = configuration.credential {
            let token = try await bearerToken(for: credential, key: tokenKey ?? "", call: call)
            HTTPAuthentication.apply(credential, bearerToken: token, headers: &headers, query: &query, callHeaders: callHeaders)
        }
        var result = try await perform(method: method, path: path, query: query, headers: headers, body: body, call: call)
        // An OAuth2 token the upstream refuses is fetched again once.
        if case .failure(let error) = result, error.code == .authenticationFailed,
           let credential = configuration.credential, credential.kind == .oauth2ClientCredentials,
           let tokens, let tokenKey, !callHeaders.contains("authorization")
        {
            await tokens.invalidate(key: tokenKey)
            let token = try await bearerToken(for: credential, key: tokenKey, call: call)
            HTTPAuthentication.apply(credential, bearerToken: token, headers: &headers, query: &query, callHeaders: callHeaders)
            result = try await perform(method: method, path: path, query: query, headers: headers, body: body, call: call)
        }
        return try result.get()
    }

    private func bearerToken(for credential: ResolvedCredential, key: String, call: CallContext) async throws -> String? {
        guard credential.kind == .oauth2ClientCredentials else { return nil }
        guard let tokens else { throw JunctionError.internal("OAuth2 credentials need the token cache.") }
        if let tokenHost = credential.fields["token_url"]?.stringValue.flatMap({ URLComponents(string: $0)?.host }) {
            try await addressGuard.check(host: tokenHost)
        }
        return try await tokens.token(for: credential, key: key, client: client, deadline: call.deadline)
    }

    /// One HTTP exchange. Transport failures throw; upstream answers come back as a result so
    /// the caller can react to a refused token.
    private func perform(
        method: HTTPMethod,
        path: String,
        query: [(String, String)],
        headers: [(String, String)],
        body: JSONValue?,
        call: CallContext
    ) async throws -> Result<ConnectorResult, JunctionError> {
        var url = baseURL + (path.isEmpty || path.hasPrefix("/") ? path : "/" + path)
        if !query.isEmpty {
            url += (url.contains("?") ? "&" : "?")
                + query.map { "\(PercentEncoding.encodeComponent($0.0))=\(PercentEncoding.encodeComponent($0.1))" }
                .joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json, */*;q=0.5")
        request.headers.add(name: "User-Agent", value: "Junction")
        request.headers.add(name: "X-Request-Id", value: call.requestID)
        for (name, value) in headers {
            request.headers.replaceOrAdd(name: name, value: value)
        }
        if let body {
            if request.headers["Content-Type"].isEmpty {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(bytes: try JSONCoding.encode(body)))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request, deadline: NIODeadline.from(call.deadline))
            bytes = try await response.body.collect(upTo: Self.maxResponseBytes)
        } catch is NIOTooManyBytesError {
            throw JunctionError(.upstreamError, "The answer of '\(name)' is larger than \(Self.maxResponseBytes) bytes.")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw HTTPFailure.map(error, context: "connector '\(name)'")
        }
        let status = Int(response.status.code)
        let data = Self.decode(bytes, contentType: response.headers.first(name: "Content-Type"))
        guard (200..<300).contains(status) else {
            let retryAfter = response.headers.first(name: "Retry-After").flatMap(Self.retryAfter)
            return .failure(HTTPFailure.answer(status: status, body: data, retryAfter: retryAfter, context: "connector '\(name)'"))
        }
        return .success(ConnectorResult(data: data, status: status))
    }

    /// The body as JSON when it is JSON, text when it is text, else base64 with its type.
    static func decode(_ bytes: ByteBuffer, contentType: String?) -> JSONValue {
        guard bytes.readableBytes > 0 else { return .null }
        let type = contentType?.lowercased() ?? ""
        if type.contains("json") || type.isEmpty, let json = try? JSONCoding.decode(bytes.readableBytesView) {
            return json
        }
        if type.hasPrefix("text/") || type.contains("xml") || type.contains("json") || type.contains("x-www-form-urlencoded") {
            return .string(String(buffer: bytes))
        }
        if type.isEmpty, let text = String(validating: bytes.readableBytesView, as: UTF8.self) {
            return .string(text)
        }
        return ["content_type": .string(contentType ?? "application/octet-stream"),
                "base64": .string(Data(bytes.readableBytesView).base64EncodedString())]
    }

    /// `Retry-After` as seconds (the date form is read as "now").
    static func retryAfter(_ text: String) -> Duration? {
        if let seconds = Int(text.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return .seconds(seconds) }
        return nil
    }

    private static func pairs(_ value: JSONValue?) -> [(String, String)] {
        (value?.objectValue ?? [:]).compactMap { key, value in value.stringValue.map { (key, $0) } }.sorted { $0.0 < $1.0 }
    }
}
