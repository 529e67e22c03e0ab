import Foundation

/// A stored agent: its validated definition and the document it was written as.
public struct Agent: Sendable, Hashable {
    /// The agent's id (`agt_…`), kept when the definition is replaced.
    public var id: String
    /// The owning tenant.
    public var tenantID: String
    /// The parsed definition.
    public var definition: AgentDefinition
    /// The definition as submitted (YAML read into JSON), returned as is.
    public var document: JSONValue
    /// When it was created.
    public var createdAt: Date
    /// When its definition was last replaced.
    public var updatedAt: Date

    /// Its name, unique within the tenant.
    public var name: Slug { definition.name }

    public init(
        id: String = Identifier.make("agt"), tenantID: String, definition: AgentDefinition, document: JSONValue,
        createdAt: Date = Timestamp.now(), updatedAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.definition = definition
        self.document = document
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// A link between an agent and a connector: an inbound connector starts runs of every agent
/// linked to it, and an outbound one receives their results.
public struct AgentLink: Sendable, Hashable {
    public var agent: Slug
    public var connector: Slug
    /// The connector's type (`webhook`, `cron`, …).
    public var connectorType: String
    public var createdAt: Date

    public init(agent: Slug, connector: Slug, connectorType: String, createdAt: Date) {
        self.agent = agent
        self.connector = connector
        self.connectorType = connectorType
        self.createdAt = createdAt
    }
}
