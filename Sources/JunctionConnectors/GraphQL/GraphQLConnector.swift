import JunctionCore
import NIOHTTP1

extension ConnectorSpec {
    /// `graphql`: named operations against a GraphQL endpoint.
    public static let graphql = ConnectorSpec.httpBased(
        type: "graphql",
        displayName: "GraphQL API",
        description: "Runs named GraphQL operations against connection_url. Each resource holds a query or mutation; its input is the operation's variables. Errors in a 200 answer make the call fail.",
        capabilities: [.invoke, .test],
        resourcesDescription: "Operations: each with a slug, a query and a variables schema.",
        resourceFields: [
            FieldSpec("query", .string, required: true, description: "The GraphQL document (query or mutation)."),
            FieldSpec("operation_name", .string, description: "The operation to run when the document holds several."),
        ]
    )
}

/// `graphql`: POSTs `{query, variables, operationName}` and answers the response's `data`.
/// A response with a non-empty `errors` array is a failure (`upstream_error`), even with HTTP 200.
public struct GraphQLConnector: Connector, ConnectionTestable {
    public static var spec: ConnectorSpec { .graphql }

    private let transport: HTTPTransport

    public init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {
        transport = try HTTPTransport(configuration: configuration, context: context)
    }

    public func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult {
        guard let query = resource.binding["query"]?.stringValue else {
            throw JunctionError.invalidInput("Resource '\(resource.slug)' has no query.", field: "query")
        }
        var request: [String: JSONValue] = ["query": .string(query)]
        if let variables = input.objectValue, !variables.isEmpty { request["variables"] = input }
        if let operation = resource.binding["operation_name"]?.stringValue { request["operationName"] = .string(operation) }
        return try await run(.object(request), call: call)
    }

    /// Asks the endpoint for its query type's name (`{ __typename }`).
    public func testConnection(call: CallContext) async throws {
        _ = try await run(["query": "{ __typename }"], call: call)
    }

    private func run(_ request: JSONValue, call: CallContext) async throws -> ConnectorResult {
        let answer = try await transport.send(method: .POST, path: "", body: .json(request), call: call)
        let body = HTTPConnector.decode(answer.body, contentType: answer.headers.first(name: "Content-Type"))
        guard (200..<300).contains(answer.status) else {
            // GraphQL servers may answer 4xx with an errors array: keep its message.
            var failure = transport.failure(answer, body: body)
            if let message = Self.firstError(body) { failure.message = "GraphQL error: \(message)" }
            throw failure
        }
        if let message = Self.firstError(body) {
            throw JunctionError(
                .upstreamError, "GraphQL error: \(message)", upstreamStatus: answer.status, upstreamBody: body)
        }
        return ConnectorResult(data: body["data"] ?? .null, status: answer.status)
    }

    private static func firstError(_ body: JSONValue) -> String? {
        guard let errors = body["errors"]?.arrayValue, let first = errors.first else { return nil }
        let message = first["message"]?.stringValue ?? "unknown error"
        return errors.count > 1 ? "\(message) (and \(errors.count - 1) more)" : message
    }
}
