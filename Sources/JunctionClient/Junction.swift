import AsyncHTTPClient
import JunctionCore
// The wire types of this API, and no more of Core: values, the envelope, tool formats, error codes.
@_exported import enum JunctionCore.JSONValue
@_exported import struct JunctionCore.InvokeEnvelope
@_exported import enum JunctionCore.ToolFormat
@_exported import struct JunctionCore.ErrorCode
@_exported import enum JunctionCore.ResourceKind
import NIOCore

/// The Swift SDK: runs connector actions and lists their tools through a Junction server's REST API.
///
/// ```swift
/// let junction = Junction(url: "http://127.0.0.1:8080", apiKey: key)
/// let envelope = try await junction.connector("crm", "get-customer", ["id": "42"])
/// ```
///
/// A failed action is not thrown: it is an ``Envelope`` whose `success` is false. Calls throw
/// ``JunctionAPIError`` when the API refuses the request itself (a bad key, bad options, an
/// unknown connector for ``loadConnector(_:)``) or when no answer arrives.
public struct Junction: Sendable {
    /// The REST client underneath, for endpoints the SDK does not wrap.
    public let client: ControlPlaneClient
    /// The tenant (id or name) a platform key acts on, sent as `?tenant=`; `nil` for tenant keys.
    public let tenant: String?

    /// A client for the server at `url` with `apiKey`.
    ///
    /// - Parameters:
    ///   - tenant: for a platform key, the tenant (id or name) every call acts on.
    ///   - httpClient: the HTTP client to send requests with (default: the shared one).
    ///   - timeout: how long one request may take, the server's retries included (default 120 s).
    public init(
        url: String, apiKey: String, tenant: String? = nil, httpClient: HTTPClient = .shared,
        timeout: Duration = .seconds(120)
    ) {
        self.client = ControlPlaneClient(baseURL: url, apiKey: apiKey, timeout: TimeAmount(timeout), httpClient: httpClient)
        self.tenant = tenant
    }

    /// Runs `resource` of `connector` with input `data` (`POST /api/v1/invoke`) and returns its envelope.
    ///
    /// - Parameter idempotencyKey: sent as `Idempotency-Key`; lets the server retry a write.
    /// - Returns: the envelope, whether the action succeeded or failed.
    /// - Throws: ``JunctionAPIError`` when the server answers without an envelope (e.g. 401, or
    ///   400 for bad `options`) or when no answer arrives.
    public func connector(
        _ connector: String, _ resource: String, _ data: JSONValue = [:], options: InvokeOptions = .init(),
        idempotencyKey: String? = nil
    ) async throws -> Envelope {
        let body: JSONValue = [
            "connector": .string(connector), "resource": .string(resource), "data": data, "options": options.json,
        ]
        return try await client.send(
            Envelope.self, .post, "/api/v1/invoke", query: scoped(), body: body,
            headers: idempotencyKey.map { ["Idempotency-Key": $0] } ?? [:], anyStatus: true)
    }

    /// Fetches the connector named `name` (`GET /api/v1/connectors/{name}`).
    ///
    /// - Throws: ``JunctionAPIError`` `not_found` (404) when there is no such connector.
    public func loadConnector(_ name: String) async throws -> ConnectorHandle {
        let record = try await client.send(.get, Self.connectorPath(name), query: scoped())
        return ConnectorHandle(record: record, junction: self)
    }

    /// The tools of every connector, or of `connector`, as Junction describes them
    /// (`GET /api/v1/tools?format=junction`).
    public func tools(connector: String? = nil) async throws -> [Tool] {
        try await client.send(
            ToolList.self, .get, "/api/v1/tools", query: scoped(["format": "junction", "connector": connector])
        ).tools
    }

    /// The provider-ready `tools` value for a model request in `format`, for every connector or
    /// for `connector` (`GET /api/v1/tools?format=…`).
    ///
    /// Put it as is in the request: OpenAI's and Anthropic's `tools` arrays, or Gemini's
    /// `tools` (one `functionDeclarations` entry; an empty array when there are no tools).
    public func toolDefinitions(for format: ToolFormat, connector: String? = nil) async throws -> JSONValue {
        let answer = try await client.send(
            .get, "/api/v1/tools", query: scoped(["format": format.rawValue, "connector": connector]))
        return answer["tools"] ?? []
    }

    /// `query` plus `tenant` when one is set.
    func scoped(_ query: [String: String?] = [:]) -> [String: String?] {
        query.merging(["tenant": tenant]) { own, _ in own }
    }

    /// `/api/v1/connectors/{name}`, the name percent-encoded.
    static func connectorPath(_ name: String) -> String {
        "/api/v1/connectors/" + ControlPlaneClient.pathSegment(name)
    }
}
