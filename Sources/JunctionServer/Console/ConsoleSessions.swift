import HTTPTypes
import Crypto
import Foundation
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// Signs people in to the web console with an API key and keeps their sessions.
///
/// The browser holds only a random token (in an HttpOnly cookie); the store holds its digest,
/// the key that signed in, and for a platform key the tenant it chose. A session acts as its key
/// on every request (so the key's role and allow-lists apply, and deleting the key ends it),
/// ends after `idleTimeout` without use and after `maximumAge` in any case.
struct ConsoleSessions: Sendable {
    let store: any Store
    let keys: APIKeys
    let idleTimeout: Duration
    let maximumAge: Duration

    /// A live session and the principal it acts as.
    struct Active: Sendable {
        var token: String
        var session: ConsoleSession
        var principal: Principal
        /// The value every form of this session must carry.
        var csrfToken: String { ConsoleSessions.csrfToken(for: token) }
    }

    /// Starts a session for the API key `key`; `nil` when the key is not valid.
    func begin(key: String, requestID: String) async throws -> Active? {
        guard let principal = try await keys.authenticate(Substring(key.trimmingCharacters(in: .whitespacesAndNewlines))) else {
            return nil
        }
        let token = "jcs_\(RandomToken.make())"
        let now = Timestamp.now()
        let endsAt = now + maximumAge.timeInterval
        let session = ConsoleSession(
            digest: Self.digest(token), keyID: principal.keyID, tenantID: principal.scope.tenantID, createdAt: now,
            expiresAt: min(now + idleTimeout.timeInterval, endsAt), endsAt: endsAt)
        let actor = AuditActor(keyID: principal.keyID, scope: principal.isPlatform ? .platform : .tenant, requestID: requestID)
        try await store.insertConsoleSession(
            session, audit: actor.event("console.sign_in", tenantID: principal.scope.tenantID, targetType: "api_key", target: principal.keyID))
        return Active(token: token, session: session, principal: principal)
    }

    /// The session of the cookie token `token`, its expiry moved on; `nil` when it has ended
    /// (expired, signed out, or its key deleted).
    func resume(token: Substring) async throws -> Active? {
        guard token.hasPrefix("jcs_"), token.utf8.count < 100 else { return nil }
        let now = Timestamp.now()
        guard var session = try await store.consoleSession(digest: Self.digest(token), now: now) else { return nil }
        guard let key = try await keys.record(id: session.keyID) else {
            try await store.deleteConsoleSession(digest: session.digest, audit: nil)
            return nil
        }
        // Written at most once a minute, not on every page.
        let expiry = min(now + idleTimeout.timeInterval, session.endsAt)
        if expiry.timeIntervalSince(session.expiresAt) > 60 {
            session.expiresAt = expiry
            try await store.updateConsoleSession(session)
        }
        return Active(
            token: String(token), session: session, principal: Principal(keyID: key.id, scope: key.scope, role: key.role, access: key.access))
    }

    /// Makes a platform key's session act on `tenantID` (`nil`: none).
    func choose(tenantID: String?, in active: Active) async throws -> Active {
        var active = active
        active.session.tenantID = tenantID
        try await store.updateConsoleSession(active.session)
        return active
    }

    /// Ends the session, recording the sign-out.
    func end(_ active: Active, requestID: String) async throws {
        let principal = active.principal
        let actor = AuditActor(keyID: principal.keyID, scope: principal.isPlatform ? .platform : .tenant, requestID: requestID)
        try await store.deleteConsoleSession(
            digest: active.session.digest,
            audit: actor.event("console.sign_out", tenantID: principal.scope.tenantID, targetType: "api_key", target: principal.keyID))
    }

    /// Forgets sessions that expired a day ago or more.
    func purge() async throws {
        try await store.purgeConsoleSessions(expiredBefore: Timestamp.now() - 86_400)
    }

    /// The CSRF token of a session: an HMAC of its secret token, so it needs no storage and
    /// cannot be made without the cookie.
    static func csrfToken(for token: some StringProtocol) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("junction console csrf".utf8), using: SymmetricKey(data: Array(token.utf8)))
        return RandomToken.base64URL(Array(mac))
    }

    static func digest(_ token: some StringProtocol) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }
}
