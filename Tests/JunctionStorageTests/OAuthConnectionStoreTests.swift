import Foundation
import JunctionCore
import JunctionStorage
import Testing

/// OAuth apps, connect attempts and token states, for every store driver: names unique per
/// tenant, an app in use not deleted, an attempt taken once and not after it expired, and the
/// token state's compare-and-swap (the ground of single refreshes across nodes).
@Suite(.temporaryStores) struct OAuthConnectionStoreTests {
    static func app(_ tenantID: String, _ name: String = "crm") -> OAuthApp {
        OAuthApp(
            tenantID: tenantID, name: slug(name), clientID: "client", sealedSecret: [1, 2, 3], secretHint: "••••", authorizeURL: "https://p/a",
            tokenURL: "https://p/t", scopes: ["read"], scopeSeparator: ",", clientAuthentication: .post,
            authorizeParameters: ["access_type": "offline"], usesPKCE: false, notify: [slug("ops")])
    }

    @Test(arguments: StoreKind.allCases)
    func appsAreUniquePerTenantAndKeptWhileCredentialsUseThem(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, _) = try await store.seedTenant("acme")
        let (globex, _) = try await store.seedTenant("globex")
        let app = Self.app(acme.id)
        try await store.insertOAuthApp(app, audit: auditEvent("oauth_app.create", tenantID: acme.id, target: "crm"))
        #expect(try await store.oauthApp(tenantID: acme.id, name: slug("crm")) == app)
        #expect(try await store.oauthApp(tenantID: globex.id, name: slug("crm")) == nil)
        let duplicate = await #expect(throws: JunctionError.self) {
            try await store.insertOAuthApp(Self.app(acme.id), audit: auditEvent("oauth_app.create", tenantID: acme.id, target: "crm"))
        }
        #expect(duplicate?.code == .conflict)
        try await store.insertOAuthApp(Self.app(globex.id), audit: auditEvent("oauth_app.create", tenantID: globex.id, target: "crm"))

        let credential = Credential(
            tenantID: acme.id, name: slug("ana"), kind: .oauth2, config: ["app": "crm"], hints: [:], sealedSecrets: [])
        try await store.insertCredential(credential, audit: auditEvent("credential.create", tenantID: acme.id, target: "ana"))
        let inUse = await #expect(throws: JunctionError.self) {
            try await store.deleteOAuthApp(tenantID: acme.id, name: slug("crm"), audit: auditEvent("oauth_app.delete", tenantID: acme.id, target: "crm"))
        }
        #expect(inUse?.code == .conflict)
        #expect(inUse?.details?["credentials"] == ["ana"])
        // Another tenant's app of the same name is not held by acme's credential.
        try await store.deleteOAuthApp(tenantID: globex.id, name: slug("crm"), audit: auditEvent("oauth_app.delete", tenantID: globex.id, target: "crm"))

        var changed = app
        changed.scopes = ["write"]
        try await store.replaceOAuthApp(changed, audit: auditEvent("oauth_app.update", tenantID: acme.id, target: "crm"))
        #expect(try await store.oauthApps(tenantID: acme.id).map(\.scopes) == [["write"]])
    }

    @Test(arguments: StoreKind.allCases)
    func anAttemptIsTakenOnceAndNotAfterItExpired(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, _) = try await store.seedTenant("acme")
        let credential = try await store.seedCredential("ana", tenantID: acme.id)
        let now = Timestamp.now()
        for (digest, expires) in [([UInt8](repeating: 1, count: 32), now.addingTimeInterval(600)), ([UInt8](repeating: 2, count: 32), now.addingTimeInterval(-1))] {
            try await store.insertConnectAttempt(OAuthConnectAttempt(
                stateDigest: digest, tenantID: acme.id, credentialID: credential.id, sealedVerifier: [9], redirectURI: "https://j/oauth/callback",
                actor: "key_1", actorScope: .tenant, createdAt: now, expiresAt: expires))
        }
        let taken = try await store.takeConnectAttempt(stateDigest: [UInt8](repeating: 1, count: 32), now: now)
        #expect(taken?.redirectURI == "https://j/oauth/callback")
        #expect(taken?.actor == "key_1")
        #expect(try await store.takeConnectAttempt(stateDigest: [UInt8](repeating: 1, count: 32), now: now) == nil)
        #expect(try await store.takeConnectAttempt(stateDigest: [UInt8](repeating: 2, count: 32), now: now) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func tokenStatesChangeOnlyFromTheVersionTheWriterRead(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, _) = try await store.seedTenant("acme")
        let credential = try await store.seedCredential("ana", tenantID: acme.id)
        let first = OAuthTokenState(credentialID: credential.id, tenantID: acme.id, status: .connected, sealedTokens: [1], version: 1, app: "crm")
        #expect(try await store.storeOAuthTokenState(first, expectedVersion: nil, audit: nil, notify: [], notice: nil))
        // A second first write loses: the state exists.
        #expect(try await !store.storeOAuthTokenState(first, expectedVersion: nil, audit: nil, notify: [], notice: nil))
        var claimed = first
        claimed.version = 2
        claimed.refreshingUntil = Timestamp.now().addingTimeInterval(30)
        #expect(try await store.storeOAuthTokenState(claimed, expectedVersion: 1, audit: nil, notify: [], notice: nil))
        // Another writer that read version 1 loses, and its audit event is not recorded.
        let before = try await store.auditCount()
        var late = first
        late.version = 2
        late.status = .needsReauth
        #expect(try await !store.storeOAuthTokenState(
            late, expectedVersion: 1, audit: auditEvent("credential.needs_reauth", tenantID: acme.id, target: "ana"), notify: [], notice: nil))
        #expect(try await store.auditCount() == before)
        let stored = try #require(try await store.oauthTokenState(credentialID: credential.id))
        #expect(stored.status == .connected && stored.version == 2 && stored.refreshingUntil != nil && stored.app == "crm")
        // Deleting the credential takes its state with it; a state for a missing credential is not stored.
        try await store.deleteCredential(tenantID: acme.id, name: slug("ana"), audit: auditEvent("credential.delete", tenantID: acme.id, target: "ana"))
        #expect(try await store.oauthTokenState(credentialID: credential.id) == nil)
        #expect(try await !store.storeOAuthTokenState(first, expectedVersion: nil, audit: nil, notify: [], notice: nil))
    }
}
