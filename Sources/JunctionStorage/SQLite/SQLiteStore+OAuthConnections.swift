import Foundation
import GRDB
import JunctionCore

extension SQLiteStore {
    public func insertOAuthApp(_ app: OAuthApp, audit: AuditEvent) async throws {
        try await write { db in
            do {
                try db.execute(
                    sql: """
                        INSERT INTO oauth_apps (id, tenant_id, name, template, client_id, sealed_secret, secret_hint, authorize_url, token_url,
                                                settings, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        app.id, app.tenantID, app.name.rawValue, app.template?.rawValue, app.clientID, app.sealedSecret.map { Data($0) },
                        app.secretHint, app.authorizeURL, app.tokenURL, SQLiteJSON.text(Self.settings(of: app)), app.createdAt, app.updatedAt,
                    ])
            } catch where Self.isUniqueViolation(error) {
                throw JunctionError.conflict("An OAuth app named '\(app.name)' already exists.", field: "name")
            }
            try Self.insert(audit, in: db)
        }
    }

    public func oauthApp(tenantID: String, name: Slug) async throws -> OAuthApp? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM oauth_apps WHERE tenant_id = ? AND name = ?", arguments: [tenantID, name.rawValue]
            ).map(Self.oauthApp(from:))
        }
    }

    public func oauthApps(tenantID: String) async throws -> [OAuthApp] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM oauth_apps WHERE tenant_id = ? ORDER BY name", arguments: [tenantID])
                .map(Self.oauthApp(from:))
        }
    }

    public func replaceOAuthApp(_ app: OAuthApp, audit: AuditEvent) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE oauth_apps SET client_id = ?, sealed_secret = ?, secret_hint = ?, authorize_url = ?, token_url = ?, settings = ?,
                                          updated_at = ?
                    WHERE tenant_id = ? AND id = ?
                    """,
                arguments: [
                    app.clientID, app.sealedSecret.map { Data($0) }, app.secretHint, app.authorizeURL, app.tokenURL,
                    SQLiteJSON.text(Self.settings(of: app)), app.updatedAt, app.tenantID, app.id,
                ])
            guard db.changesCount == 1 else { throw JunctionError.notFound("No OAuth app named '\(app.name)'.") }
            try Self.insert(audit, in: db)
        }
    }

    public func deleteOAuthApp(tenantID: String, name: Slug, audit: AuditEvent) async throws {
        try await write { db in
            let users = try String.fetchAll(
                db,
                sql: "SELECT name FROM credentials WHERE tenant_id = ? AND kind = 'oauth2' AND json_extract(config, '$.app') = ? ORDER BY name",
                arguments: [tenantID, name.rawValue])
            guard users.isEmpty else {
                throw JunctionError.conflict(
                    "OAuth app '\(name)' is used by credentials: \(users.joined(separator: ", ")). Delete them first.",
                    details: ["credentials": .array(users.map(JSONValue.string))])
            }
            try db.execute(sql: "DELETE FROM oauth_apps WHERE tenant_id = ? AND name = ?", arguments: [tenantID, name.rawValue])
            guard db.changesCount == 1 else { throw JunctionError.notFound("No OAuth app named '\(name)'.") }
            try Self.insert(audit, in: db)
        }
    }

    public func insertConnectAttempt(_ attempt: OAuthConnectAttempt) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO oauth_connect_attempts (state_digest, tenant_id, credential_id, sealed_verifier, redirect_uri, actor,
                                                        actor_scope, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    Data(attempt.stateDigest), attempt.tenantID, attempt.credentialID, Data(attempt.sealedVerifier), attempt.redirectURI,
                    attempt.actor, attempt.actorScope.rawValue, attempt.createdAt, attempt.expiresAt,
                ])
        }
    }

    public func takeConnectAttempt(stateDigest: [UInt8], now: Date) async throws -> OAuthConnectAttempt? {
        try await write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT * FROM oauth_connect_attempts WHERE state_digest = ?", arguments: [Data(stateDigest)])
            else { return nil }
            try db.execute(sql: "DELETE FROM oauth_connect_attempts WHERE state_digest = ?", arguments: [Data(stateDigest)])
            let attempt = OAuthConnectAttempt(
                stateDigest: stateDigest, tenantID: row["tenant_id"], credentialID: row["credential_id"],
                sealedVerifier: Array(row["sealed_verifier"] as Data), redirectURI: row["redirect_uri"], actor: row["actor"],
                actorScope: AuditEvent.ActorScope(rawValue: row["actor_scope"]) ?? .tenant, createdAt: Self.date(row, "created_at"), expiresAt: Self.date(row, "expires_at"))
            return attempt.expiresAt > now ? attempt : nil
        }
    }

    public func oauthTokenState(credentialID: String) async throws -> OAuthTokenState? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM oauth_token_states WHERE credential_id = ?", arguments: [credentialID])
                .map(Self.tokenState(from:))
        }
    }

    public func storeOAuthTokenState(
        _ state: OAuthTokenState, expectedVersion: Int?, audit: AuditEvent?, notify: [Slug], notice: JSONValue?
    ) async throws -> Bool {
        try await write { db in
            let values: StatementArguments = [
                state.status.rawValue, Data(state.sealedTokens), state.expiresAt, state.scope, SQLiteJSON.text(state.extra), state.lastError,
                state.version, state.connectedAt, state.refreshedAt, state.refreshingUntil, state.app,
            ]
            if let expectedVersion {
                try db.execute(
                    sql: """
                        UPDATE oauth_token_states SET status = ?, sealed_tokens = ?, expires_at = ?, scope = ?, extra = ?, last_error = ?,
                                                      version = ?, connected_at = ?, refreshed_at = ?, refreshing_until = ?, app = ?
                        WHERE credential_id = ? AND version = ?
                        """,
                    arguments: values + [state.credentialID, expectedVersion])
            } else {
                // The credential must still exist (its row is the foreign key's parent).
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO oauth_token_states (status, sealed_tokens, expires_at, scope, extra, last_error, version,
                                                                  connected_at, refreshed_at, refreshing_until, app, credential_id, tenant_id)
                        SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, id, tenant_id FROM credentials WHERE id = ? AND tenant_id = ?
                        """,
                    arguments: values + [state.credentialID, state.tenantID])
            }
            guard db.changesCount == 1 else { return false }
            if let notice {
                let targets = try Self.outboundConnectorIDs(tenantID: state.tenantID, names: notify, in: db)
                try Self.queueDeliveries(
                    of: notice, to: targets, tenantID: state.tenantID, reference: state.credentialID, at: Timestamp.now(), in: db)
            }
            if let audit { try Self.insert(audit, in: db) }
            return true
        }
    }

    public func purgeConnectAttempts(expiredBefore cutoff: Date) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM oauth_connect_attempts WHERE expires_at < ?", arguments: [cutoff])
        }
    }

    /// The app's settings kept as one JSON column.
    private static func settings(of app: OAuthApp) -> JSONValue {
        [
            "scopes": .array(app.scopes.map(JSONValue.string)),
            "scope_separator": .string(app.scopeSeparator),
            "token_auth_method": .string(app.clientAuthentication.rawValue),
            "authorize_params": .object(app.authorizeParameters.mapValues(JSONValue.string)),
            "pkce": .bool(app.usesPKCE),
            "notify": .array(app.notify.map { .string($0.rawValue) }),
        ]
    }

    private static func oauthApp(from row: Row) throws -> OAuthApp {
        let settings = try SQLiteJSON.object(row["settings"])
        return OAuthApp(
            id: row["id"], tenantID: row["tenant_id"], name: try Slug(validating: row["name"], field: "name"),
            template: (row["template"] as String?).flatMap(Slug.init), clientID: row["client_id"],
            sealedSecret: (row["sealed_secret"] as Data?).map(Array.init), secretHint: row["secret_hint"],
            authorizeURL: row["authorize_url"], tokenURL: row["token_url"],
            scopes: settings["scopes"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            scopeSeparator: settings["scope_separator"]?.stringValue ?? " ",
            clientAuthentication: settings["token_auth_method"]?.stringValue.flatMap(OAuthClientAuthentication.init(rawValue:)) ?? .basic,
            authorizeParameters: (settings["authorize_params"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
            usesPKCE: settings["pkce"]?.boolValue ?? true,
            notify: settings["notify"]?.arrayValue?.compactMap { $0.stringValue.flatMap(Slug.init) } ?? [],
            createdAt: date(row, "created_at"), updatedAt: date(row, "updated_at"))
    }

    private static func tokenState(from row: Row) throws -> OAuthTokenState {
        OAuthTokenState(
            credentialID: row["credential_id"], tenantID: row["tenant_id"],
            status: OAuthTokenState.Status(rawValue: row["status"]) ?? .needsReauth,
            sealedTokens: Array(row["sealed_tokens"] as Data), expiresAt: optionalDate(row, "expires_at"), scope: row["scope"],
            extra: try SQLiteJSON.object(row["extra"]), lastError: row["last_error"], version: row["version"],
            connectedAt: optionalDate(row, "connected_at"), refreshedAt: optionalDate(row, "refreshed_at"),
            refreshingUntil: optionalDate(row, "refreshing_until"), app: row["app"])
    }
}
