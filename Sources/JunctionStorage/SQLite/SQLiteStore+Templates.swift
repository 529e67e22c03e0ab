import Foundation
import GRDB
import JunctionCore

/// Templates are keyed by scope (`platform` or the tenant id) and slug.
extension SQLiteStore {
    private static func scope(_ tenantID: String?) -> String { tenantID ?? "platform" }

    public func saveTemplate(_ template: Template, audit: AuditEvent) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO templates (scope, tenant_id, slug, document, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (scope, slug) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at
                    """,
                arguments: [
                    Self.scope(template.tenantID), template.tenantID, template.slug.rawValue,
                    SQLiteJSON.text(template.document), Timestamp.now(),
                ]
            )
            try Self.insert(audit, in: db)
        }
    }

    public func template(tenantID: String?, slug: Slug) async throws -> StoredTemplate? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT * FROM templates WHERE slug = ? AND scope IN (?, 'platform') ORDER BY scope = 'platform' LIMIT 1",
                arguments: [slug.rawValue, Self.scope(tenantID)]
            ).map(Self.storedTemplate(from:))
        }
    }

    public func templates(tenantID: String?) async throws -> [StoredTemplate] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM templates WHERE scope IN (?, 'platform') ORDER BY slug, scope = 'platform'",
                arguments: [Self.scope(tenantID)]
            ).map(Self.storedTemplate(from:))
        }
    }

    public func deleteTemplate(tenantID: String?, slug: Slug, audit: AuditEvent) async throws {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM templates WHERE scope = ? AND slug = ?", arguments: [Self.scope(tenantID), slug.rawValue])
            guard db.changesCount == 1 else { throw JunctionError.notFound("No imported template '\(slug)'.") }
            try Self.insert(audit, in: db)
        }
    }

    private static func storedTemplate(from row: Row) throws -> StoredTemplate {
        StoredTemplate(
            tenantID: row["tenant_id"],
            slug: try Slug(validating: row["slug"], field: "slug"),
            document: try SQLiteJSON.value(row["document"]),
            updatedAt: date(row, "updated_at")
        )
    }
}
