import Foundation

/// How an OAuth client authenticates at a provider's token endpoint.
public enum OAuthClientAuthentication: String, Sendable, Hashable, CaseIterable {
    /// `Authorization: Basic base64(client_id:client_secret)` (RFC 6749 §2.3.1's default).
    case basic = "client_secret_basic"
    /// `client_id` and `client_secret` as form fields.
    case post = "client_secret_post"
    /// A public client: `client_id` only (PKCE protects the code).
    case none
}

/// A tenant's registration with one OAuth 2.0 provider: the client the provider issued, and
/// where to send users and code exchanges. Credentials of kind `oauth2` name one.
public struct OAuthApp: Sendable, Hashable {
    /// `oapp_…`.
    public var id: String
    public var tenantID: String
    /// Its name, unique within the tenant (by default the template's slug, e.g. `gmail`).
    public var name: Slug
    /// The template it was made from, if any.
    public var template: Slug?
    public var clientID: String
    /// The client secret, sealed (`nil` for a public client).
    public var sealedSecret: [UInt8]?
    /// A masked rendering of the secret.
    public var secretHint: String?
    /// The provider's authorization endpoint.
    public var authorizeURL: String
    /// The provider's token endpoint.
    public var tokenURL: String
    /// Scopes asked for unless a credential names its own.
    public var scopes: [String]
    /// How scopes are joined in the authorization request (a space, or `,` for Slack).
    public var scopeSeparator: String
    public var clientAuthentication: OAuthClientAuthentication
    /// Extra parameters of the authorization request (`access_type=offline`, `audience=…`).
    public var authorizeParameters: [String: String]
    /// Whether the authorization request carries a PKCE S256 challenge.
    public var usesPKCE: Bool
    /// Outbound connectors told when one of its credentials needs re-authorization.
    public var notify: [Slug]
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String = Identifier.make("oapp"), tenantID: String, name: Slug, template: Slug? = nil, clientID: String,
        sealedSecret: [UInt8]?, secretHint: String?, authorizeURL: String, tokenURL: String, scopes: [String],
        scopeSeparator: String = " ", clientAuthentication: OAuthClientAuthentication = .basic,
        authorizeParameters: [String: String] = [:], usesPKCE: Bool = true, notify: [Slug] = [],
        createdAt: Date = Timestamp.now(), updatedAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.template = template
        self.clientID = clientID
        self.sealedSecret = sealedSecret
        self.secretHint = secretHint
        self.authorizeURL = authorizeURL
        self.tokenURL = tokenURL
        self.scopes = scopes
        self.scopeSeparator = scopeSeparator
        self.clientAuthentication = clientAuthentication
        self.authorizeParameters = authorizeParameters
        self.usesPKCE = usesPKCE
        self.notify = notify
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// The live state of an `oauth2` credential: its tokens (sealed) and whether they work.
/// Every change bumps `version`, so that concurrent refreshes (on any node) store one answer.
public struct OAuthTokenState: Sendable, Hashable {
    /// Whether the credential can be used.
    public enum Status: String, Sendable, Hashable {
        /// Created, never connected.
        case pending
        /// Tokens are held.
        case connected
        /// The provider refused the refresh token (revoked, expired): a user must connect again.
        case needsReauth = "needs_reauth"
    }

    public var credentialID: String
    public var tenantID: String
    public var status: Status
    /// `{access_token, refresh_token}` sealed; empty while pending.
    public var sealedTokens: [UInt8]
    /// When the access token expires, if the provider said.
    public var expiresAt: Date?
    /// The scopes the provider granted.
    public var scope: String?
    /// Non-secret members of the provider's token answer worth keeping (Salesforce's
    /// `instance_url`, Slack's `team`).
    public var extra: [String: JSONValue]
    /// Why the credential needs re-authorization.
    public var lastError: String?
    public var version: Int
    public var connectedAt: Date?
    public var refreshedAt: Date?
    /// While a refresh is under way (on any node), when its claim lapses: others wait for it
    /// rather than spend the same refresh token.
    public var refreshingUntil: Date?
    /// The app the tokens were issued through (a credential moved to another app is pending).
    public var app: String?

    public init(
        credentialID: String, tenantID: String, status: Status, sealedTokens: [UInt8] = [], expiresAt: Date? = nil,
        scope: String? = nil, extra: [String: JSONValue] = [:], lastError: String? = nil, version: Int = 0,
        connectedAt: Date? = nil, refreshedAt: Date? = nil, refreshingUntil: Date? = nil, app: String? = nil
    ) {
        self.refreshingUntil = refreshingUntil
        self.app = app
        self.credentialID = credentialID
        self.tenantID = tenantID
        self.status = status
        self.sealedTokens = sealedTokens
        self.expiresAt = expiresAt
        self.scope = scope
        self.extra = extra
        self.lastError = lastError
        self.version = version
        self.connectedAt = connectedAt
        self.refreshedAt = refreshedAt
    }
}

/// An authorization a user has been sent to make and not yet finished: found again by the
/// digest of its `state`, used once, short-lived.
public struct OAuthConnectAttempt: Sendable, Hashable {
    /// SHA-256 of the `state` parameter.
    public var stateDigest: [UInt8]
    public var tenantID: String
    public var credentialID: String
    /// The PKCE code verifier, sealed.
    public var sealedVerifier: [UInt8]
    /// The `redirect_uri` sent, which the code exchange must repeat.
    public var redirectURI: String
    /// Who started it, for the audit event of its completion.
    public var actor: String
    public var actorScope: AuditEvent.ActorScope
    public var createdAt: Date
    public var expiresAt: Date

    public init(
        stateDigest: [UInt8], tenantID: String, credentialID: String, sealedVerifier: [UInt8], redirectURI: String, actor: String,
        actorScope: AuditEvent.ActorScope, createdAt: Date = Timestamp.now(), expiresAt: Date
    ) {
        self.actorScope = actorScope
        self.stateDigest = stateDigest
        self.tenantID = tenantID
        self.credentialID = credentialID
        self.sealedVerifier = sealedVerifier
        self.redirectURI = redirectURI
        self.actor = actor
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
