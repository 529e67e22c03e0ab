import JunctionCore

/// A connector fetched with ``Junction/loadConnector(_:)``: its name, type and description, and
/// calls scoped to it.
public struct ConnectorHandle: Sendable {
    /// The connector's name (`connector_name`).
    public let name: String
    /// Its connector type, e.g. `http` (`connector_type`).
    public let type: String
    /// Its description, if it has one.
    public let description: String?
    /// The whole connector record as the API returned it (`timeout_ms`, `health_status`, …).
    public let record: JSONValue
    private let junction: Junction

    init(record: JSONValue, junction: Junction) {
        self.name = record["connector_name"]?.stringValue ?? ""
        self.type = record["connector_type"]?.stringValue ?? ""
        self.description = record["description"]?.stringValue
        self.record = record
        self.junction = junction
    }

    /// The connector's resources with their JSON Schemas (`GET /api/v1/connectors/{name}/resources`).
    public func resources() async throws -> [ResourceInfo] {
        try await junction.client.send(
            ResourceList.self, .get, Junction.connectorPath(name) + "/resources", query: junction.scoped()
        ).resources
    }

    /// Runs `resource` with input `data` and returns its envelope; see
    /// ``Junction/connector(_:_:_:options:idempotencyKey:)``.
    public func invoke(
        _ resource: String, _ data: JSONValue = [:], options: Junction.InvokeOptions = .init(),
        idempotencyKey: String? = nil
    ) async throws -> Envelope {
        try await junction.connector(name, resource, data, options: options, idempotencyKey: idempotencyKey)
    }

    /// The connector's tools, as Junction describes them.
    public func tools() async throws -> [Tool] {
        try await junction.tools(connector: name)
    }

    /// The tool for `resource`.
    ///
    /// - Throws: ``JunctionAPIError`` `not_found` (404) when the connector has no such resource.
    public func tool(_ resource: String) async throws -> Tool {
        guard let tool = try await tools().first(where: { $0.resource == resource }) else {
            throw JunctionAPIError(
                status: 404, code: .notFound, message: "Connector '\(name)' has no resource '\(resource)'.",
                field: "resource")
        }
        return tool
    }

    /// The connector's tools as the provider-ready `tools` value of a model request in `format`.
    public func toolDefinitions(for format: ToolFormat) async throws -> JSONValue {
        try await junction.toolDefinitions(for: format, connector: name)
    }
}
