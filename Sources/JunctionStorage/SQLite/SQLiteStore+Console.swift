import Foundation
import GRDB
import JunctionCore

extension SQLiteStore {
    public func insertConsoleSession(_ session: ConsoleSession, audit: AuditEvent) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO console_sessions (digest, key_id, tenant_id, created_at, expires_at, ends_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [Data(session.digest), session.keyID, session.tenantID, session.createdAt, session.expiresAt, session.endsAt])
            try Self.insert(audit, in: db)
        }
    }

    public func consoleSession(digest: [UInt8], now: Date) async throws -> ConsoleSession? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM console_sessions WHERE digest = ? AND expires_at > ?", arguments: [Data(digest), now]
            ).map { row in
                ConsoleSession(
                    digest: digest, keyID: row["key_id"], tenantID: row["tenant_id"], createdAt: Self.date(row, "created_at"),
                    expiresAt: Self.date(row, "expires_at"), endsAt: Self.date(row, "ends_at"))
            }
        }
    }

    public func updateConsoleSession(_ session: ConsoleSession) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE console_sessions SET tenant_id = ?, expires_at = ? WHERE digest = ?",
                arguments: [session.tenantID, session.expiresAt, Data(session.digest)])
            guard db.changesCount == 1 else { throw JunctionError.notFound("The console session has ended.") }
        }
    }

    public func deleteConsoleSession(digest: [UInt8], audit: AuditEvent?) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM console_sessions WHERE digest = ?", arguments: [Data(digest)])
            if db.changesCount == 1, let audit { try Self.insert(audit, in: db) }
        }
    }

    public func purgeConsoleSessions(expiredBefore cutoff: Date) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM console_sessions WHERE expires_at < ?", arguments: [cutoff])
        }
    }
}
