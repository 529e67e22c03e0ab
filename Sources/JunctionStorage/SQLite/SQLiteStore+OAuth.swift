import Foundation
import GRDB
import JunctionCore

extension SQLiteStore {
    public func insertOAuthClient(_ client: OAuthClient, audit: AuditEvent) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO oauth_clients (id, name, redirect_uris, created_at) VALUES (?, ?, ?, ?)",
                arguments: [client.id, client.name, JSONValue.array(client.redirectURIs.map(JSONValue.string)).jsonText, client.createdAt])
            try Self.insert(audit, in: db)
        }
    }

    public func oauthClient(id: String) async throws -> OAuthClient? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM oauth_clients WHERE id = ?", arguments: [id]).map { row in
                let uris = try JSONCoding.decodeStored(Array((row["redirect_uris"] as String).utf8)).arrayValue ?? []
                return OAuthClient(
                    id: row["id"], name: row["name"], redirectURIs: uris.compactMap(\.stringValue), createdAt: Self.date(row, "created_at"))
            }
        }
    }

    public func oauthClientCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM oauth_clients") ?? 0 }
    }

    public func insertOAuthGrant(_ grant: OAuthGrant, code: OAuthCode, audit: AuditEvent) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO oauth_grants (id, tenant_id, key_id, client_id, scope, resource, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [grant.id, grant.tenantID, grant.keyID, grant.clientID, grant.scope, grant.resource, grant.createdAt])
            try db.execute(
                sql: "INSERT INTO oauth_codes (digest, grant_id, redirect_uri, code_challenge, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [Data(code.digest), code.grantID, code.redirectURI, code.codeChallenge, code.expiresAt])
            try Self.insert(audit, in: db)
        }
    }

    public func redeemOAuthCode(digest: [UInt8], now: Date) async throws -> (grant: OAuthGrant, code: OAuthCode)? {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM oauth_codes WHERE digest = ?", arguments: [Data(digest)]) else {
                return nil
            }
            let grantID: String = row["grant_id"]
            if (row["used_at"] as Date?) != nil {
                // A code presented twice was intercepted or replayed: what it issued is ended.
                try Self.revokeGrant(grantID, at: now, in: db)
                return nil
            }
            try db.execute(sql: "UPDATE oauth_codes SET used_at = ? WHERE digest = ?", arguments: [now, Data(digest)])
            let code = OAuthCode(
                digest: digest, grantID: grantID, redirectURI: row["redirect_uri"], codeChallenge: row["code_challenge"],
                expiresAt: Self.date(row, "expires_at"))
            guard code.expiresAt > now, let grant = try Self.liveGrant(grantID, in: db) else { return nil }
            return (grant, code)
        }
    }

    public func insertOAuthTokens(_ tokens: [OAuthToken]) async throws {
        try await write { db in
            for token in tokens { try Self.insert(token, in: db) }
        }
    }

    public func rotateOAuthRefreshToken(digest: [UInt8], now: Date, issuing tokens: [OAuthToken], audit: AuditEvent) async throws -> RefreshOutcome {
        try await write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT * FROM oauth_tokens WHERE digest = ? AND kind = 'refresh'", arguments: [Data(digest)]),
                let grant = try Self.liveGrant(row["grant_id"], in: db)
            else { return .invalid }
            if (row["used_at"] as Date?) != nil {
                try Self.revokeGrant(grant.id, at: now, in: db)
                try Self.insert(audit, in: db)
                return .reused(grant)
            }
            guard Self.date(row, "expires_at") > now else { return .invalid }
            try db.execute(sql: "UPDATE oauth_tokens SET used_at = ? WHERE digest = ?", arguments: [now, Data(digest)])
            for var token in tokens {
                token.grantID = grant.id
                try Self.insert(token, in: db)
            }
            return .rotated(grant)
        }
    }

    public func oauthAccessGrant(digest: [UInt8], now: Date) async throws -> OAuthGrant? {
        try await read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT grant_id, expires_at FROM oauth_tokens WHERE digest = ? AND kind = 'access'", arguments: [Data(digest)]),
                Self.date(row, "expires_at") > now
            else { return nil }
            return try Self.liveGrant(row["grant_id"], in: db)
        }
    }

    public func purgeOAuth(expiredBefore cutoff: Date) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM oauth_codes WHERE expires_at < ?", arguments: [cutoff])
            try db.execute(sql: "DELETE FROM oauth_tokens WHERE expires_at < ?", arguments: [cutoff])
            try db.execute(
                sql: "DELETE FROM oauth_grants WHERE revoked_at < ? OR id NOT IN (SELECT grant_id FROM oauth_tokens UNION SELECT grant_id FROM oauth_codes)",
                arguments: [cutoff])
        }
    }

    private static func insert(_ token: OAuthToken, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO oauth_tokens (digest, kind, grant_id, expires_at) VALUES (?, ?, ?, ?)",
            arguments: [Data(token.digest), token.kind.rawValue, token.grantID, token.expiresAt])
    }

    /// The grant `id` unless it was revoked.
    private static func liveGrant(_ id: String, in db: Database) throws -> OAuthGrant? {
        try Row.fetchOne(db, sql: "SELECT * FROM oauth_grants WHERE id = ? AND revoked_at IS NULL", arguments: [id]).map { row in
            OAuthGrant(
                id: row["id"], tenantID: row["tenant_id"], keyID: row["key_id"], clientID: row["client_id"], scope: row["scope"],
                resource: row["resource"], createdAt: date(row, "created_at"))
        }
    }

    private static func revokeGrant(_ id: String, at now: Date, in db: Database) throws {
        try db.execute(sql: "UPDATE oauth_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [now, id])
    }
}
