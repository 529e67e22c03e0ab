import Crypto
import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStorage

/// Connecting an `oauth2` credential (RFC 6749 §4.1 with PKCE, RFC 7636): `begin` answers the
/// provider's authorization URL with a fresh `state` and S256 challenge; the provider sends
/// the user back to Junction's callback, where `complete` exchanges the code for tokens and
/// stores them sealed.
public struct OAuthConnectFlow: Sendable {
    /// A user's way to the provider.
    public struct Authorization: Sendable {
        /// Where to send the user.
        public var url: String
        /// The `state` it carries (single-use).
        public var state: String
        /// When the authorization stops being accepted.
        public var expiresAt: Date
    }

    private let store: any Store
    private let secrets: SecretBox
    private let apps: OAuthAppService
    private let sender: HTTPSender
    private let broker: OAuthTokenBroker

    /// How long a user has to finish an authorization.
    public static let attemptLifetime: Duration = .seconds(600)

    init(store: any Store, secrets: SecretBox, apps: OAuthAppService, sender: HTTPSender, broker: OAuthTokenBroker) {
        self.store = store
        self.secrets = secrets
        self.apps = apps
        self.sender = sender
        self.broker = broker
    }

    /// Starts connecting credential `name`; the provider will send the user to `redirectURI`
    /// (Junction's `/oauth/callback`, which must be registered with the provider's app).
    public func begin(tenantID: String, name: Slug, redirectURI: String, by actor: AuditActor) async throws -> Authorization {
        guard let credential = try await store.credential(tenantID: tenantID, name: name) else {
            throw JunctionError.notFound("No credential named '\(name)'.")
        }
        guard credential.kind == .oauth2 else {
            throw JunctionError.invalidInput(
                "Credential '\(name)' is of kind \(credential.kind.rawValue); only oauth2 credentials are connected.", field: "name")
        }
        let app = try await apps.app(named: credential.config["app"]?.stringValue, tenantID: tenantID, credential: name)
        let state = RandomToken.make()
        let verifier = RandomToken.make()
        let now = Timestamp.now()
        let expiresAt = now.addingTimeInterval(Self.attemptLifetime.timeInterval)
        try await store.insertConnectAttempt(OAuthConnectAttempt(
            stateDigest: Self.digest(state), tenantID: tenantID, credentialID: credential.id,
            sealedVerifier: try secrets.seal(Array(verifier.utf8), context: Self.sealContext(tenantID: tenantID, credentialID: credential.id)),
            redirectURI: redirectURI, actor: actor.keyID, actorScope: actor.scope, createdAt: now, expiresAt: expiresAt))
        let scopes = credential.config["scopes"]?.arrayValue?.compactMap(\.stringValue) ?? app.scopes
        var query: [(String, String)] = [
            ("response_type", "code"), ("client_id", app.clientID), ("redirect_uri", redirectURI), ("state", state),
        ]
        if !scopes.isEmpty { query.append(("scope", scopes.joined(separator: app.scopeSeparator))) }
        if app.usesPKCE {
            let challenge = RandomToken.base64URL(Array(SHA256.hash(data: Array(verifier.utf8))))
            query += [("code_challenge", challenge), ("code_challenge_method", "S256")]
        }
        query += app.authorizeParameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let separator = app.authorizeURL.contains("?") ? "&" : "?"
        let url = app.authorizeURL + separator + PercentEncoding.query(query)
        return Authorization(url: url, state: state, expiresAt: expiresAt)
    }

    /// Finishes the authorization the provider answered with `state` and `code` (or `error`):
    /// the code exchanged for tokens, stored, audited. Answers the connected credential.
    public func complete(state: String, code: String?, error: String?, errorDescription: String?) async throws -> Credential {
        guard let attempt = try await store.takeConnectAttempt(stateDigest: Self.digest(state), now: Timestamp.now()) else {
            throw JunctionError.invalidInput(
                "This authorization has expired or was already used. Start connecting the credential again.", field: "state")
        }
        guard let credential = try await store.credentials(tenantID: attempt.tenantID).first(where: { $0.id == attempt.credentialID }) else {
            throw JunctionError.notFound("The credential being connected was deleted.")
        }
        if let error {
            let described = errorDescription.map { ": \($0.prefix(300))" } ?? ""
            throw JunctionError(
                .authenticationFailed, "The provider did not authorize credential '\(credential.name)' (\(error.prefix(100)))\(described).",
                details: ["oauth_error": .string(String(error.prefix(100))), "step": "authorize"])
        }
        guard let code, !code.isEmpty else {
            throw JunctionError.invalidInput("The provider's answer has no code.", field: "code")
        }
        let app = try await apps.app(named: credential.config["app"]?.stringValue, tenantID: credential.tenantID, credential: credential.name)
        let verifier = String(decoding: try secrets.open(
            attempt.sealedVerifier, context: Self.sealContext(tenantID: attempt.tenantID, credentialID: credential.id)), as: UTF8.self)
        var grant = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", attempt.redirectURI)]
        if app.usesPKCE { grant.append(("code_verifier", verifier)) }
        let answer = try await TokenEndpoint.request(
            app.tokenURL, grant: grant, clientID: app.clientID, clientSecret: try await apps.clientSecret(of: app),
            authentication: app.clientAuthentication, sender: sender, timeout: OAuthTokenBroker.requestTimeout)
        let audit = AuditEvent(
            tenantID: credential.tenantID, actor: attempt.actor, actorScope: attempt.actorScope, action: "credential.connect", targetType: "credential",
            target: credential.name.rawValue,
            details: ["app": .string(app.name.rawValue), "scope": answer.scope.map(JSONValue.string) ?? .null,
                      "refresh_token": .bool(answer.refreshToken != nil)])
        // A fresh grant replaces whatever the state holds, a refresh finishing meanwhile included.
        var stored = false
        for _ in 0..<5 where !stored {
            let current = try await store.oauthTokenState(credentialID: credential.id)
            let previous = current ?? OAuthTokenState(credentialID: credential.id, tenantID: credential.tenantID, status: .pending)
            let next = try OAuthTokenBroker.connected(
                previous, grant: answer, keeping: nil, app: app.name.rawValue, secrets: secrets, connected: true)
            stored = try await store.storeOAuthTokenState(next, expectedVersion: current?.version, audit: audit, notify: [], notice: nil)
            if !stored, current == nil, try await store.credential(tenantID: credential.tenantID, name: credential.name) == nil {
                throw JunctionError.notFound("Credential '\(credential.name)' was deleted while it was being connected.")
            }
        }
        guard stored else {
            throw JunctionError.conflict("Credential '\(credential.name)' kept changing while it was connected; connect it again.")
        }
        await broker.forget(credentialID: credential.id)
        return credential
    }

    /// The state of an `oauth2` credential, for its representation: `nil` (pending) when
    /// never connected or connected through another app than the one it names now.
    public func status(of credential: Credential) async throws -> OAuthTokenState? {
        guard let state = try await store.oauthTokenState(credentialID: credential.id) else { return nil }
        return state.app == nil || state.app == credential.config["app"]?.stringValue ? state : nil
    }

    static func digest(_ state: String) -> [UInt8] { Array(SHA256.hash(data: Array(state.utf8))) }

    static func sealContext(tenantID: String, credentialID: String) -> String { "oauth-connect:\(tenantID):\(credentialID)" }
}
