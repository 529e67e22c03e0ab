import Foundation
import GRDB
import JunctionCore

extension SQLiteStore {
    public func insertTenant(_ tenant: Tenant, firstKey: APIKey, audit: AuditEvent) async throws {
        try await write { db in
            do {
                try db.execute(
                    sql: "INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)",
                    arguments: [tenant.id, tenant.name.rawValue, tenant.createdAt]
                )
            } catch where Self.isUniqueViolation(error) {
                throw JunctionError.conflict("A tenant named '\(tenant.name)' already exists.", field: "name")
            }
            try Self.insert(firstKey, in: db)
            try Self.insert(audit, in: db)
        }
    }

    public func tenant(idOrName: String) async throws -> Tenant? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tenants WHERE id = ? OR name = ?", arguments: [idOrName, idOrName])
                .map(Self.tenant(from:))
        }
    }

    public func tenants() async throws -> [Tenant] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tenants ORDER BY created_at, id").map(Self.tenant(from:))
        }
    }

    private static func tenant(from row: Row) throws -> Tenant {
        Tenant(id: row["id"], name: try Slug(validating: row["name"], field: "name"), createdAt: Self.date(row, "created_at"))
    }

    // MARK: API keys

    static func insert(_ key: APIKey, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO api_keys (id, tenant_id, name, digest, created_at, role, access) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                key.id, key.tenantID, key.name, Data(key.digest), key.createdAt, key.role.rawValue,
                key.access.isRestricted ? SQLiteJSON.text(key.access.json) : nil,
            ]
        )
    }

    public func insertKey(_ key: APIKey, audit: AuditEvent) async throws {
        try await write { db in
            try Self.insert(key, in: db)
            try Self.insert(audit, in: db)
        }
    }

    public func key(id: String) async throws -> APIKey? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id]).map(Self.key(from:))
        }
    }

    public func keys(tenantID: String?) async throws -> [APIKey] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM api_keys WHERE tenant_id IS ? ORDER BY created_at, id",
                arguments: [tenantID]
            ).map(Self.key(from:))
        }
    }

    public func deleteKey(id: String, scope: APIKey.Scope?, audit: AuditEvent) async throws {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT tenant_id FROM api_keys WHERE id = ?", arguments: [id]) else {
                throw JunctionError.notFound("No API key '\(id)'.")
            }
            let owner: String? = row["tenant_id"]
            switch scope {
            case .platform? where owner != nil, .tenant? where owner != scope?.tenantID:
                throw JunctionError.notFound("No API key '\(id)'.")
            default:
                break
            }
            if owner == nil, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM api_keys WHERE tenant_id IS NULL") == 1 {
                throw JunctionError.conflict("This is the last platform key; create another before revoking it.")
            }
            try db.execute(sql: "DELETE FROM api_keys WHERE id = ?", arguments: [id])
            try Self.insert(audit, in: db)
        }
    }

    private static func key(from row: Row) throws -> APIKey {
        let tenantID: String? = row["tenant_id"]
        let digest: Data = row["digest"]
        guard let role = KeyRole(rawValue: row["role"]) else {
            throw JunctionError.internal("Stored API key has unknown role \(row["role"] as String).")
        }
        return APIKey(
            id: row["id"],
            scope: tenantID.map(APIKey.Scope.tenant) ?? .platform,
            name: row["name"],
            digest: Array(digest),
            createdAt: Self.date(row, "created_at"),
            role: role,
            access: try (row["access"] as String?).map { text throws in try KeyAccess(json: SQLiteJSON.value(text)) } ?? .unrestricted
        )
    }
}
