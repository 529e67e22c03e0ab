import Foundation
import GRDB
import JunctionCore

/// Agents are keyed by tenant and name; links join an agent's name to a connector's id.
extension SQLiteStore {
    @discardableResult
    public func saveAgent(_ agent: Agent, replacing: Bool, audit: AuditEvent) async throws -> (agent: Agent, created: Bool) {
        try await write { db in
            let document = SQLiteJSON.text(agent.document)
            var stored = agent
            if let row = try Row.fetchOne(
                db, sql: "SELECT id, created_at FROM agents WHERE tenant_id = ? AND name = ?",
                arguments: [agent.tenantID, agent.name.rawValue])
            {
                guard replacing else {
                    throw JunctionError.conflict("An agent named '\(agent.name)' already exists.", field: "name")
                }
                stored.id = row["id"]
                stored.createdAt = Self.date(row, "created_at")
                try db.execute(
                    sql: "UPDATE agents SET type = ?, document = ?, updated_at = ? WHERE id = ?",
                    arguments: [agent.definition.kind.rawValue, document, agent.updatedAt, stored.id])
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO agents (id, tenant_id, name, type, document, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        agent.id, agent.tenantID, agent.name.rawValue, agent.definition.kind.rawValue, document,
                        agent.createdAt, agent.updatedAt,
                    ])
            }
            try Self.insert(audit, in: db)
            return (stored, stored.id == agent.id)
        }
    }

    public func agent(tenantID: String, name: Slug) async throws -> Agent? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM agents WHERE tenant_id = ? AND name = ?", arguments: [tenantID, name.rawValue]
            ).map(Self.agent(from:))
        }
    }

    public func agents(tenantID: String?) async throws -> [Agent] {
        try await read { db in
            let rows: [Row]
            if let tenantID {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM agents WHERE tenant_id = ? ORDER BY name", arguments: [tenantID])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM agents ORDER BY tenant_id, name")
            }
            return try rows.map(Self.agent(from:))
        }
    }

    public func deleteAgent(tenantID: String, name: Slug, audit: AuditEvent) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM agents WHERE tenant_id = ? AND name = ?", arguments: [tenantID, name.rawValue])
            guard db.changesCount == 1 else { throw JunctionError.notFound("No agent named '\(name)'.") }
            try db.execute(
                sql: "DELETE FROM agent_links WHERE tenant_id = ? AND agent_name = ?", arguments: [tenantID, name.rawValue])
            try Self.insert(audit, in: db)
        }
    }

    @discardableResult
    public func linkAgent(tenantID: String, agent: Slug, connector: Slug, audit: AuditEvent) async throws -> Bool {
        try await write { db in
            let connectorID = try Self.linkEnds(db, tenantID: tenantID, agent: agent, connector: connector)
            try db.execute(
                sql: """
                    INSERT INTO agent_links (tenant_id, agent_name, connector_id, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (connector_id, agent_name) DO NOTHING
                    """,
                arguments: [tenantID, agent.rawValue, connectorID, Timestamp.now()])
            let created = db.changesCount == 1
            if created { try Self.insert(audit, in: db) }
            return created
        }
    }

    public func unlinkAgent(tenantID: String, agent: Slug, connector: Slug, audit: AuditEvent) async throws {
        try await write { db in
            let connectorID = try Self.linkEnds(db, tenantID: tenantID, agent: agent, connector: connector)
            try db.execute(
                sql: "DELETE FROM agent_links WHERE connector_id = ? AND agent_name = ?", arguments: [connectorID, agent.rawValue])
            guard db.changesCount == 1 else {
                throw JunctionError.notFound("Agent '\(agent)' is not linked to connector '\(connector)'.")
            }
            try Self.insert(audit, in: db)
        }
    }

    public func agentLinks(tenantID: String, agent: Slug?) async throws -> [AgentLink] {
        try await read { db in
            var sql = """
                SELECT l.agent_name, c.name AS connector_name, c.type AS connector_type, l.created_at
                FROM agent_links l JOIN connectors c ON c.id = l.connector_id
                WHERE l.tenant_id = ?
                """
            var arguments: StatementArguments = [tenantID]
            if let agent {
                sql += " AND l.agent_name = ?"
                arguments += [agent.rawValue]
            }
            sql += " ORDER BY l.agent_name, c.name"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                AgentLink(
                    agent: try Slug(validating: row["agent_name"], field: "agent_name"),
                    connector: try Slug(validating: row["connector_name"], field: "connector_name"),
                    connectorType: row["connector_type"], createdAt: Self.date(row, "created_at"))
            }
        }
    }

    /// The id of the tenant's connector `connector`, after checking that both ends exist.
    private static func linkEnds(_ db: Database, tenantID: String, agent: Slug, connector: Slug) throws -> String {
        guard try Bool.fetchOne(
            db, sql: "SELECT 1 FROM agents WHERE tenant_id = ? AND name = ?", arguments: [tenantID, agent.rawValue]) != nil
        else { throw JunctionError.notFound("No agent named '\(agent)'.") }
        guard let connectorID = try String.fetchOne(
            db, sql: "SELECT id FROM connectors WHERE tenant_id = ? AND name = ?", arguments: [tenantID, connector.rawValue])
        else { throw JunctionError.notFound("No connector named '\(connector)'.") }
        return connectorID
    }

    private static func agent(from row: Row) throws -> Agent {
        let document = try SQLiteJSON.value(row["document"])
        return Agent(
            id: row["id"], tenantID: row["tenant_id"], definition: try AgentDefinition(json: document), document: document,
            createdAt: date(row, "created_at"), updatedAt: date(row, "updated_at"))
    }
}
