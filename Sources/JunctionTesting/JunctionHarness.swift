import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionConnectors
import JunctionCore
import JunctionRuntime
import JunctionServer
import Logging
import NIOCore

/// A live Junction server on an ephemeral port over a fresh data directory, for tests.
///
/// Every response passes through `OpenAPIConformance`, so any test that calls the API also
/// checks the served OpenAPI document against what the server really answers.
public struct JunctionHarness: Sendable {
    /// The test client connected to the server.
    public let client: any TestClientProtocol
    /// The platform admin key created on first start.
    public let adminKey: String
    /// The server's data directory.
    public let dataDirectory: URL
    /// The server and the runtime under it (store, keyring, registry, services).
    public let junction: JunctionApplication

    /// The server's base URL, e.g. `http://127.0.0.1:54321`.
    public var baseURL: String { "http://127.0.0.1:\(client.port ?? 0)" }
    /// The port the server listens on (loopback).
    public var port: Int? { client.port }

    /// One answer from the API.
    public struct Answer: Sendable {
        /// The HTTP status.
        public var status: HTTPResponse.Status
        /// The response headers.
        public var headers: HTTPFields
        /// The body as JSON (`null` when empty).
        public var json: JSONValue
        /// The raw body.
        public var text: String

        /// The error code of an error answer.
        public var errorCode: String? { json["error"]?["code"]?.stringValue }
        /// The field named by an error answer.
        public var errorField: String? { json["error"]?["field"]?.stringValue }
    }

    /// Sends a request. `json` is sent as `application/json`; `raw` is sent as it is.
    @discardableResult
    public func request(
        _ method: HTTPRequest.Method,
        _ path: String,
        key: String?,
        json: JSONValue? = nil,
        raw: String? = nil,
        headers extraHeaders: HTTPFields = [:]
    ) async throws -> Answer {
        var headers = extraHeaders
        if let key { headers[.authorization] = "Bearer \(key)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONCoding.encode(json))
        } else if let raw {
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
            body = ByteBuffer(string: raw)
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        let text = String(buffer: response.body)
        let contentType = response.headers[.contentType] ?? ""
        let isJSON = contentType.contains("json") && !contentType.contains("ndjson")
        let parsed: JSONValue = text.isEmpty || !isJSON ? .null : try JSONCoding.decode(Array(text.utf8))
        let answer = Answer(status: response.status, headers: response.headers, json: parsed, text: text)
        try OpenAPIConformance.shared.check(method: method, path: path, answer: answer)
        return answer
    }

    /// Creates a tenant with the admin key, returning its id and first API key.
    public func createTenant(_ name: String) async throws -> (id: String, key: String) {
        let answer = try await request(.post, "/api/v1/tenants", key: adminKey, json: ["name": .string(name)])
        guard answer.status == .created, let id = answer.json["id"]?.stringValue,
              let key = answer.json["api_key"]?.stringValue
        else {
            throw HarnessError("Creating tenant \(name) answered \(answer.status): \(answer.text)")
        }
        return (id, key)
    }
}

/// A failure of the test harness itself.
public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs `body` against a live server over a new temporary data directory, removed afterwards.
public func withJunction<T: Sendable>(
    mode: ServerMode = .invpc,
    maxBodyBytes: Int = 1 << 20,
    dataDirectory: URL? = nil,
    connectorCacheTTL: Duration = .seconds(30),
    registry: ConnectorRegistry = .builtIn,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (JunctionHarness) async throws -> T
) async throws -> T {
    let directory = dataDirectory ?? FileManager.default.temporaryDirectory
        .appendingPathComponent("junction-test-\(UUID().uuidString)", isDirectory: true)
    defer { if dataDirectory == nil { try? FileManager.default.removeItem(at: directory) } }
    var configuration = ServerConfiguration()
    configuration.host = "127.0.0.1"
    configuration.port = 0
    configuration.runtime.dataDirectory = directory.path
    configuration.mode = mode
    configuration.maxBodyBytes = maxBodyBytes
    configuration.runtime.connectorCacheTTL = connectorCacheTTL
    configure(&configuration)
    return try await withJunctionServer(configuration, registry: registry) { junction in
        let adminKey = try junction.runtime.bootstrap.createdAdminKey
            ?? String(contentsOf: directory.appendingPathComponent(DataDirectory.adminKeyFileName), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var logger = Logger(label: "junction.test")
        logger.logLevel = .critical  // the live test client's shutdown logs channel cancellations as errors
        return try await junction.application(logger: logger).test(.live) { client in
            try await body(JunctionHarness(client: client, adminKey: adminKey, dataDirectory: directory, junction: junction))
        }
    }
}
