import Foundation

/// An OAuth client of Junction's authorization server (a remote MCP client such as an IDE or a
/// chat app), registered with RFC 7591 dynamic registration.
public struct OAuthClient: Sendable, Hashable {
    /// The `client_id` handed out.
    public var id: String
    /// The name shown on the consent page.
    public var name: String
    /// Where authorization answers may be sent; a request must name one of them exactly.
    public var redirectURIs: [String]
    public var createdAt: Date

    public init(id: String, name: String, redirectURIs: [String], createdAt: Date = Timestamp.now()) {
        self.id = id
        self.name = name
        self.redirectURIs = redirectURIs
        self.createdAt = createdAt
    }
}

/// One consent: a person, presenting an API key, let a client act for one tenant at one
/// resource (`/mcp`). The codes and tokens issued for it share its fate: revoking the grant
/// (or deleting the key) ends them all.
public struct OAuthGrant: Sendable, Hashable {
    /// `oag_…`: the actor of everything done with the grant's tokens.
    public var id: String
    public var tenantID: String
    /// The API key that consented.
    public var keyID: String
    public var clientID: String
    /// The scopes granted (space-separated, as OAuth spells them).
    public var scope: String
    /// The resource the tokens are for (RFC 8707), the MCP endpoint's URL.
    public var resource: String
    public var createdAt: Date

    public init(id: String, tenantID: String, keyID: String, clientID: String, scope: String, resource: String, createdAt: Date = Timestamp.now()) {
        self.id = id
        self.tenantID = tenantID
        self.keyID = keyID
        self.clientID = clientID
        self.scope = scope
        self.resource = resource
        self.createdAt = createdAt
    }
}

/// A single-use authorization code, stored as the SHA-256 digest of its text.
public struct OAuthCode: Sendable, Hashable {
    public var digest: [UInt8]
    public var grantID: String
    /// The `redirect_uri` of the authorization request, which the token request must repeat.
    public var redirectURI: String
    /// The PKCE S256 `code_challenge`.
    public var codeChallenge: String
    public var expiresAt: Date

    public init(digest: [UInt8], grantID: String, redirectURI: String, codeChallenge: String, expiresAt: Date) {
        self.digest = digest
        self.grantID = grantID
        self.redirectURI = redirectURI
        self.codeChallenge = codeChallenge
        self.expiresAt = expiresAt
    }
}

/// An access or refresh token, stored as the SHA-256 digest of its text.
public struct OAuthToken: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case access, refresh
    }

    public var digest: [UInt8]
    public var kind: Kind
    public var grantID: String
    public var expiresAt: Date

    public init(digest: [UInt8], kind: Kind, grantID: String, expiresAt: Date) {
        self.digest = digest
        self.kind = kind
        self.grantID = grantID
        self.expiresAt = expiresAt
    }
}
