import Foundation
import GRDB
import JunctionCore
import JunctionServer

/// Writes agent links straight into the server's SQLite file, until the agents API exists, so
/// that tests can prove a linked connector is protected from deletion.
public enum AgentLinks {
    /// Links `agent` to the connector with id `connectorID`.
    public static func insert(agent: String, connectorID: String, tenantID: String, in junction: JunctionHarness) async throws {
        let path = junction.dataDirectory.appendingPathComponent(JunctionApplication.databaseFileName).path
        let database = try DatabaseQueue(path: path)
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO agent_links (tenant_id, agent_name, connector_id, created_at) VALUES (?, ?, ?, ?)",
                arguments: [tenantID, agent, connectorID, Timestamp.now()]
            )
        }
    }
}
