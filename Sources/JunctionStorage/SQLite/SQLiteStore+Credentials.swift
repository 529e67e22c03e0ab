import Foundation
import GRDB
import JunctionCore

extension SQLiteStore {
    public func insertCredential(_ credential: Credential, audit: AuditEvent) async throws {
        try await write { db in
            do {
                try db.execute(
                    sql: """
                        INSERT INTO credentials (id, tenant_id, name, kind, config, hints, sealed_secrets, created_at, updated_at, binding)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        credential.id, credential.tenantID, credential.name.rawValue, credential.kind.rawValue,
                        SQLiteJSON.text(credential.config), SQLiteJSON.text(credential.hints),
                        Data(credential.sealedSecrets), credential.createdAt, credential.updatedAt,
                        credential.binding.isBound ? SQLiteJSON.text(credential.binding.json) : nil,
                    ]
                )
            } catch where Self.isUniqueViolation(error) {
                throw JunctionError.conflict("A credential named '\(credential.name)' already exists.", field: "name")
            }
            try Self.insert(audit, in: db)
        }
    }

    public func replaceCredentialFields(_ credential: Credential, audit: AuditEvent) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE credentials SET config = ?, hints = ?, sealed_secrets = ?, updated_at = ? WHERE tenant_id = ? AND id = ?",
                arguments: [
                    SQLiteJSON.text(credential.config), SQLiteJSON.text(credential.hints), Data(credential.sealedSecrets),
                    credential.updatedAt, credential.tenantID, credential.id,
                ])
            guard db.changesCount == 1 else { throw JunctionError.notFound("No credential named '\(credential.name)'.") }
            try Self.insert(audit, in: db)
        }
    }

    public func credential(tenantID: String, name: Slug) async throws -> Credential? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT * FROM credentials WHERE tenant_id = ? AND name = ?",
                arguments: [tenantID, name.rawValue]
            ).map(Self.credential(from:))
        }
    }

    public func credentials(tenantID: String?) async throws -> [Credential] {
        try await read { db in
            let rows: [Row]
            if let tenantID {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM credentials WHERE tenant_id = ? ORDER BY name", arguments: [tenantID])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM credentials ORDER BY tenant_id, name")
            }
            return try rows.map(Self.credential(from:))
        }
    }

    public func deleteCredential(tenantID: String, name: Slug, audit: AuditEvent) async throws {
        try await write { db in
            let users = try String.fetchAll(
                db,
                sql: "SELECT name FROM connectors WHERE tenant_id = ? AND credential = ? ORDER BY name",
                arguments: [tenantID, name.rawValue]
            )
            guard users.isEmpty else {
                throw JunctionError.conflict(
                    "Credential '\(name)' is used by connectors: \(users.joined(separator: ", ")). Change or delete them first.",
                    details: ["connectors": .array(users.map(JSONValue.string))]
                )
            }
            try db.execute(
                sql: "DELETE FROM credentials WHERE tenant_id = ? AND name = ?",
                arguments: [tenantID, name.rawValue]
            )
            guard db.changesCount == 1 else { throw JunctionError.notFound("No credential named '\(name)'.") }
            try Self.insert(audit, in: db)
        }
    }

    private static func credential(from row: Row) throws -> Credential {
        let sealed: Data = row["sealed_secrets"]
        guard let kind = CredentialKind(rawValue: row["kind"]) else {
            throw JunctionError.internal("Stored credential has unknown kind \(row["kind"] as String).")
        }
        return Credential(
            id: row["id"],
            tenantID: row["tenant_id"],
            name: try Slug(validating: row["name"], field: "name"),
            kind: kind,
            config: try SQLiteJSON.object(row["config"]),
            hints: try SQLiteJSON.object(row["hints"]),
            sealedSecrets: Array(sealed),
            createdAt: Self.date(row, "created_at"),
            updatedAt: Self.date(row, "updated_at"),
            binding: try (row["binding"] as String?).map { text throws in try CredentialBinding(json: SQLiteJSON.value(text)) } ?? .unbound
        )
    }
}
