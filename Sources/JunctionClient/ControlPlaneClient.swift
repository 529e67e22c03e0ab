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
    private let httpClient: HTTPClient

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
    /// - Throws: `JunctionAPIError` for any non-2xx answer.
    public func send(
        _ method: Method,
        _ path: String,
        query: [String: String?] = [:],
        body: JSONValue? = nil
    ) async throws -> JSONValue {
        let (status, json) = try await exchange(method, path, query: query, body: body)
        guard (200..<300).contains(status) else {
            let error = json["error"]
            throw JunctionAPIError(
                status: status,
                code: error?["code"]?.stringValue ?? "http_\(status)",
                message: error?["message"]?.stringValue ?? "HTTP \(status)",
                field: error?["field"]?.stringValue,
                details: error?["details"]
            )
        }
        return json
    }

    /// Sends one request and returns the status and decoded JSON body, whatever the status
    /// (for answers that carry their own outcome, such as invoke envelopes).
    public func exchange(
        _ method: Method,
        _ path: String,
        query: [String: String?] = [:],
        body: JSONValue? = nil,
        headers: [String: String] = [:]
    ) async throws -> (status: Int, json: JSONValue) {
        var components = URLComponents(string: baseURL + path)
        let items = query.compactMap { key, value in value.map { URLQueryItem(name: key, value: $0) } }
        if !items.isEmpty { components?.queryItems = items.sorted { $0.name < $1.name } }
        guard let url = components?.string else {
            throw JunctionAPIError(status: 0, code: "invalid_input", message: "Bad server URL \(baseURL).", field: "url")
        }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method.rawValue)
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONCoding.encode(body)))
        }
        let response = try await httpClient.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let json: JSONValue = bytes.readableBytes == 0 ? .null : (try? JSONCoding.decode(bytes.readableBytesView)) ?? .null
        return (Int(response.status.code), json)
    }
}

/// An error answer from the Junction API.
public struct JunctionAPIError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status.
    public var status: Int
    /// The stable error code, e.g. `not_found`.
    public var code: String
    /// The server's message.
    public var message: String
    /// The input field at fault, if any.
    public var field: String?
    /// Extra detail, such as the connectors blocking a delete.
    public var details: JSONValue?

    public init(status: Int, code: String, message: String, field: String? = nil, details: JSONValue? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details
    }

    public var description: String {
        "\(code): \(message)" + (field.map { " (field: \($0))" } ?? "")
    }
}
