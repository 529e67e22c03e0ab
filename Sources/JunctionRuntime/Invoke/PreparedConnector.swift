import JunctionCore

/// A connector ready to run: its record, its type's spec, a built instance and its resources
/// with their input schemas compiled. Built once and kept in the `ConnectorCache`.
public struct PreparedConnector: Sendable {
    /// A resource with its compiled input schema.
    public struct PreparedResource: Sendable {
        public let resource: Resource
        public let inputSchema: JSONSchema
    }

    /// The stored connector.
    public let record: ConnectorRecord
    /// Its type's spec.
    public let spec: ConnectorSpec
    /// The instance built with the connector's own credential.
    public let instance: any Connector
    /// Resources by slug.
    public let resources: [Slug: PreparedResource]
    /// Resources in definition order, for listings.
    public let orderedResources: [Resource]
    /// Where it connects: its own connection URL, else its template's base URL.
    public let url: String?
    /// The secret values the instance holds (its credential's, its secret options), redacted
    /// from whatever the upstream echoes back.
    public let secrets: [String]
}
