import Foundation
import GRDB
import JunctionCore

extension SQLiteStore {
    public func insertConnector(_ connector: ConnectorRecord, audit: AuditEvent) async throws {
        try await write { db in
            try Self.requireCredential(connector, in: db)
            do {
                try db.execute(
                    sql: """
                        INSERT INTO connectors (
                            id, tenant_id, name, type, template, display_name, description, connection_url,
                            options, secret_option_hints, sealed_secret_options, credential, timeout_ms, max_retries,
                            enabled, mode, health_status, last_health_check, last_error, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: try Self.arguments(for: connector, withKeys: true)
                )
            } catch where Self.isUniqueViolation(error) {
                throw JunctionError.conflict(
                    "A connector named '\(connector.name)' already exists.", field: "connector_name")
            }
            try Self.insert(audit, in: db)
        }
    }

    public func updateConnector(
        tenantID: String,
        name: Slug,
        audit: AuditEvent,
        _ change: @Sendable (inout ConnectorRecord) throws -> Void
    ) async throws -> ConnectorRecord {
        try await withoutActuallyEscaping(change) { change in
            try await write { db in
                guard var connector = try Self.fetchConnector(tenantID: tenantID, name: name, in: db) else {
                    throw JunctionError.notFound("No connector named '\(name)'.")
                }
                let original = connector
                try change(&connector)
                connector.id = original.id
                connector.tenantID = original.tenantID
                connector.createdAt = original.createdAt
                try Self.requireCredential(connector, in: db)
                do {
                    var arguments = try Self.arguments(for: connector, withKeys: false)
                    arguments += [original.id]
                    try db.execute(
                        sql: """
                            UPDATE connectors SET
                                name = ?, type = ?, template = ?, display_name = ?, description = ?, connection_url = ?,
                                options = ?, secret_option_hints = ?, sealed_secret_options = ?, credential = ?,
                                timeout_ms = ?, max_retries = ?, enabled = ?, mode = ?, health_status = ?,
                                last_health_check = ?, last_error = ?, created_at = ?, updated_at = ?
                            WHERE id = ?
                            """,
                        arguments: arguments
                    )
                } catch where Self.isUniqueViolation(error) {
                    throw JunctionError.conflict(
                        "A connector named '\(connector.name)' already exists.", field: "connector_name")
                }
                try Self.insert(audit, in: db)
                return connector
            }
        }
    }

    public func connector(tenantID: String, name: Slug) async throws -> ConnectorRecord? {
        try await read { db in try Self.fetchConnector(tenantID: tenantID, name: name, in: db) }
    }

    public func connectors(_ query: ConnectorQuery) async throws -> [ConnectorRecord] {
        try await read { db in
            var filter = SQLFilter()
            filter.equal("tenant_id", query.tenantID)
            filter.equal("type", query.type)
            filter.equal("enabled", query.enabled)
            return try Row.fetchAll(
                db,
                sql: "SELECT * FROM connectors \(filter.sql) ORDER BY tenant_id, name",
                arguments: filter.arguments
            ).map(Self.connector(from:))
        }
    }

    public func deleteConnector(tenantID: String, name: Slug, force: Bool, audit: AuditEvent) async throws {
        try await write { db in
            guard let id = try String.fetchOne(
                db, sql: "SELECT id FROM connectors WHERE tenant_id = ? AND name = ?",
                arguments: [tenantID, name.rawValue])
            else {
                throw JunctionError.notFound("No connector named '\(name)'.")
            }
            let agents = try String.fetchAll(
                db, sql: "SELECT agent_name FROM agent_links WHERE connector_id = ? ORDER BY agent_name",
                arguments: [id])
            if !agents.isEmpty && !force {
                throw JunctionError.conflict(
                    "Connector '\(name)' is linked to agents: \(agents.joined(separator: ", ")). Unlink them first, or delete with ?force=true.",
                    details: ["agents": .array(agents.map(JSONValue.string))]
                )
            }
            try db.execute(sql: "DELETE FROM agent_links WHERE connector_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM connectors WHERE id = ?", arguments: [id])
            try Self.insert(audit, in: db)
        }
    }

    // MARK: Rows

    private static func requireCredential(_ connector: ConnectorRecord, in db: Database) throws {
        guard let credential = connector.credential else { return }
        let exists = try Bool.fetchOne(
            db,
            sql: "SELECT EXISTS (SELECT 1 FROM credentials WHERE tenant_id = ? AND name = ?)",
            arguments: [connector.tenantID, credential.rawValue]
        ) ?? false
        guard exists else {
            throw JunctionError.invalidInput("No credential named '\(credential)' in this tenant.", field: "credential")
        }
    }

    private static func fetchConnector(tenantID: String, name: Slug, in db: Database) throws -> ConnectorRecord? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM connectors WHERE tenant_id = ? AND name = ?",
            arguments: [tenantID, name.rawValue]
        ).map(connector(from:))
    }

    /// Column values in table order, keys first when `withKeys`.
    private static func arguments(for connector: ConnectorRecord, withKeys: Bool) throws -> StatementArguments {
        var arguments: StatementArguments = withKeys ? [connector.id, connector.tenantID] : []
        arguments += [
            connector.name.rawValue, connector.type, connector.template, connector.displayName,
            connector.description, connector.connectionURL, SQLiteJSON.text(connector.options),
            SQLiteJSON.text(connector.secretOptionHints), Data(connector.sealedSecretOptions),
            connector.credential?.rawValue, connector.timeoutMilliseconds, connector.maxRetries, connector.enabled,
            connector.mode, connector.healthStatus.rawValue, connector.lastHealthCheck, connector.lastError,
            connector.createdAt, connector.updatedAt,
        ]
        return arguments
    }

    static func connector(from row: Row) throws -> ConnectorRecord {
        let sealed: Data = row["sealed_secret_options"]
        let credential: String? = row["credential"]
        return ConnectorRecord(
            id: row["id"],
            tenantID: row["tenant_id"],
            name: try Slug(validating: row["name"], field: "connector_name"),
            type: row["type"],
            template: row["template"],
            displayName: row["display_name"],
            description: row["description"],
            connectionURL: row["connection_url"],
            options: try SQLiteJSON.object(row["options"]),
            secretOptionHints: try SQLiteJSON.object(row["secret_option_hints"]),
            sealedSecretOptions: Array(sealed),
            credential: try credential.map { try Slug(validating: $0, field: "credential") },
            timeoutMilliseconds: row["timeout_ms"],
            maxRetries: row["max_retries"],
            enabled: row["enabled"],
            mode: row["mode"],
            healthStatus: ConnectorRecord.HealthStatus(rawValue: row["health_status"]) ?? .unknown,
            lastHealthCheck: Self.optionalDate(row, "last_health_check"),
            lastError: row["last_error"],
            createdAt: Self.date(row, "created_at"),
            updatedAt: Self.date(row, "updated_at")
        )
    }
}
