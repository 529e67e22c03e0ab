import JunctionCore

/// A connector's resource (an action) as the API lists it.
public struct ResourceInfo: Sendable, Hashable, Decodable {
    /// The resource's slug, e.g. `create-contact`.
    public var slug: String
    /// A human name.
    public var name: String
    /// What the action does.
    public var description: String
    /// Whether it only reads or also writes.
    public var kind: ResourceKind
    /// The JSON Schema of its input.
    public var inputSchema: JSONValue
    /// The JSON Schema of its output, when declared.
    public var outputSchema: JSONValue?
    /// Whether it has a mock answer, so `InvokeOptions(mock: true)` works.
    public var hasMock: Bool

    enum CodingKeys: String, CodingKey {
        case slug, name, description, kind
        case inputSchema = "input_schema"
        case outputSchema = "output_schema"
        case hasMock = "has_mock"
    }
}

/// `{"connector", "resources": […]}`, the answer of `GET /api/v1/connectors/{name}/resources`.
struct ResourceList: Decodable {
    var resources: [ResourceInfo]
}
