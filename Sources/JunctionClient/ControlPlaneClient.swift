import AsyncHTTPClient
import Foundation
import JunctionCore
import NIOCore
import NIOHTTP1

/// A thin client for Junction's REST control plane: JSON in, JSON out, API errors as
/// `JunctionAPIError`.
public struct ControlPlaneClient: Sendable {
    /// The server's base URL, e.g. `http://127.0.0.1:8080`.
    public var baseURL: String
    /// The API key sent as a bearer token.
    public var apiKey: String
    /// How long one request may take.
    public var timeout: TimeAmount
    /// The tenant (id or name) every request acts on, sent as `?tenant=` (for a platform key).
    public var tenant: String?
    private let httpClient: HTTPClient

    /// The largest answer body read, in bytes.
    static let maximumBodyBytes = 64 << 20

    /// A client for the server at `baseURL` (a trailing `/` is dropped) using `apiKey`;
    /// `timeout` (default 30 s) bounds each request.
    public init(baseURL: String, apiKey: String, timeout: TimeAmount = .seconds(30), httpClient: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.timeout = timeout
        self.httpClient = httpClient
    }

    /// The HTTP methods the control plane uses.
    public enum Method: String, Sendable {
        case get = "GET", post = "POST", put = "PUT", delete = "DELETE"
    }

    /// Sends one request and returns the decoded JSON body (`null` for an empty body).
    ///
    /// - Throws: `JunctionAPIError` for any non-2xx answer, or when no answer arrived.
    public func send(
        _ method: Method,
        _ path: String,
        query: [String: String?] = [:],
        body: JSONValue? = nil
    ) async throws -> JSONValue {
        let (status, json) = try await exchange(method, path, query: query, body: body)
        guard (200..<300).contains(status) else { throw JunctionAPIError(status: status, body: json) }
        return json
    }

    /// Sends `document` as it is (a YAML or JSON file, say) with its media type and returns the
    /// decoded JSON answer.
    ///
    /// - Throws: `JunctionAPIError` for any non-2xx answer, or when no answer arrived.
    public func send(
        _ method: Method, _ path: String, query: [String: String?] = [:], document: [UInt8], contentType: String
    ) async throws -> JSONValue {
        let (status, bytes) = try await perform(method, path, query: query, body: .document(document, contentType: contentType), headers: [:])
        let json = Self.json(bytes)
        guard (200..<300).contains(status) else { throw JunctionAPIError(status: status, body: json) }
        return json
    }

    /// A request body.
    private enum Body {
        case json(JSONValue)
        case document([UInt8], contentType: String)
    }

    /// Sends one request and decodes its answer as `T`.
    ///
    /// - Parameter anyStatus: also decode non-2xx answers, for answers that carry their own
    ///   outcome (such as invoke envelopes); an error answer that is not a `T` is still thrown.
    /// - Throws: `JunctionAPIError`: the server's error for a non-2xx answer that is not taken
    ///   as a `T`, `invalid_response` for a 2xx answer that is not a `T`, or a transport error.
    public func send<T: Decodable>(
        _ type: T.Type,
        _ method: Method,
        _ path: String,
        query: [String: String?] = [:],
        body: JSONValue? = nil,
        headers: [String: String] = [:],
        anyStatus: Bool = false
    ) async throws -> T {
        let (status, bytes) = try await perform(method, path, query: query, body: body.map(Body.json), headers: headers)
        let succeeded = (200..<300).contains(status)
        if succeeded || anyStatus, let value = try? JSONCoding.decoder().decode(T.self, from: Data(bytes.readableBytesView)) {
            return value
        }
        guard succeeded else { throw JunctionAPIError(status: status, body: Self.json(bytes)) }
        throw JunctionAPIError(
            status: status, code: .invalidResponse,
            message: "The answer to \(method.rawValue) \(path) is not the expected \(T.self).")
    }

    /// Sends one request and returns the status and decoded JSON body, whatever the status
    /// (for answers that carry their own outcome, such as invoke envelopes).
    ///
    /// - Throws: `JunctionAPIError` only when no answer arrived.
    public func exchange(
        _ method: Method,
        _ path: String,
        query: [String: String?] = [:],
        body: JSONValue? = nil,
        headers: [String: String] = [:]
    ) async throws -> (status: Int, json: JSONValue) {
        let (status, bytes) = try await perform(method, path, query: query, body: body.map(Body.json), headers: headers)
        return (status, Self.json(bytes))
    }

    /// `text` percent-encoded for use as one path segment (a name in `/api/v1/connectors/{name}`).
    public static func pathSegment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Sends one request and returns the status and the raw body; transport failures become
    /// `JunctionAPIError` with status 0, cancellation stays `CancellationError`.
    private func perform(
        _ method: Method,
        _ path: String,
        query: [String: String?],
        body: Body?,
        headers: [String: String]
    ) async throws -> (status: Int, body: ByteBuffer) {
        let request = try httpRequest(method, path, query: query, body: body, headers: headers)
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: Self.maximumBodyBytes)
            return (Int(response.status.code), bytes)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw JunctionAPIError(transport: error, method: method.rawValue, url: baseURL + path)
        }
    }

    /// Sends a `GET` and hands a successful answer's body to `chunk` as it arrives (an export
    /// of any size); a failure is thrown as `JunctionAPIError`.
    public func download(_ path: String, query: [String: String?] = [:], _ chunk: (ByteBuffer) async throws -> Void) async throws {
        let request = try httpRequest(.get, path, query: query, body: nil, headers: [:])
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, deadline: .distantFuture)
        } catch {
            throw JunctionAPIError(transport: error, method: "GET", url: baseURL + path)
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            let bytes = try await response.body.collect(upTo: Self.maximumBodyBytes)
            throw JunctionAPIError(status: Int(response.status.code), body: Self.json(bytes))
        }
        for try await buffer in response.body { try await chunk(buffer) }
    }

    private func httpRequest(
        _ method: Method, _ path: String, query: [String: String?], body: Body?, headers: [String: String]
    ) throws -> HTTPClientRequest {
        var components = URLComponents(string: baseURL + path)
        let query = query.merging(["tenant": tenant]) { own, _ in own ?? tenant }
        let items = query.compactMap { key, value in value.map { URLQueryItem(name: key, value: $0) } }
        if !items.isEmpty { components?.queryItems = items.sorted { $0.name < $1.name } }
        guard let url = components?.string else {
            throw JunctionAPIError(status: 0, code: .invalidInput, message: "Bad server URL \(baseURL).", field: "url")
        }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method.rawValue)
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        switch body {
        case .json(let value):
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONCoding.encode(value)))
        case .document(let bytes, let contentType):
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: bytes))
        case nil:
            break
        }
        return request
    }

    /// The body as JSON: `null` when empty or not JSON.
    private static func json(_ bytes: ByteBuffer) -> JSONValue {
        bytes.readableBytes == 0 ? .null : (try? JSONCoding.decode(bytes.readableBytesView)) ?? .null
    }
}
