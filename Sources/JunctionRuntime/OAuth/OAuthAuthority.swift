import Crypto
import Foundation
import JunctionCore
import JunctionStorage

/// Junction as an OAuth 2.1 authorization server for its own MCP endpoint (the resource):
/// public clients identified by their metadata document's URL (as MCP recommends) or
/// registered dynamically (RFC 7591), the authorization-code grant with PKCE
/// S256 only, codes bound to one redirect URI and one resource (RFC 8707), short-lived access
/// tokens bound to one tenant, and refresh tokens rotated on every use, a reused one revoking
/// its whole grant. Codes and tokens are stored only as SHA-256 digests.
///
/// A grant lasts as long as the API key that consented: deleting the key ends its tokens.
public struct OAuthAuthority: Sendable {
    /// How long what is issued lasts.
    public struct Lifetimes: Sendable {
        /// An authorization code (`oauth_code_ttl_ms`, default 10 minutes).
        public var code: Duration = .seconds(600)
        /// An access token (`oauth_access_token_ttl_ms`, default 1 hour).
        public var accessToken: Duration = .seconds(3600)
        /// A refresh token (`oauth_refresh_token_ttl_ms`, default 30 days); each use replaces it.
        public var refreshToken: Duration = .seconds(30 * 86_400)

        public init() {}
    }

    /// The scope every grant has: the tenant's tools over MCP.
    public static let scope = "mcp"
    /// The most clients that may register (registration is open, as MCP clients expect).
    public static let maximumClients = 10_000

    private let store: any Store
    private let keys: APIKeys
    private let lifetimes: Lifetimes
    private let documents: ClientMetadataDocuments?
    /// Grants by access-token digest, so a busy token is read from the store once in a while.
    private let accessCache: ExpiringCache<OAuthGrant>

    /// - Parameter documents: reads the clients whose id is a metadata document's URL; without
    ///   it only registered clients are known.
    init(store: any Store, keys: APIKeys, lifetimes: Lifetimes = Lifetimes(), documents: ClientMetadataDocuments? = nil) {
        self.store = store
        self.keys = keys
        self.lifetimes = lifetimes
        self.documents = documents
        accessCache = ExpiringCache(timeToLive: .seconds(5))
    }

    /// What the token endpoint answers.
    public struct IssuedTokens: Sendable {
        public var accessToken: String
        public var refreshToken: String
        public var expiresIn: Int
        public var scope: String

        /// The RFC 6749 token response.
        public var json: JSONValue {
            [
                "access_token": .string(accessToken), "token_type": "Bearer", "expires_in": .integer(expiresIn),
                "refresh_token": .string(refreshToken), "scope": .string(scope),
            ]
        }
    }

    // MARK: Registration

    /// Registers a client from an RFC 7591 request: public (`token_endpoint_auth_method`
    /// `none`), authorization code and refresh token grants, the redirect URIs it names.
    public func register(_ request: JSONValue) async throws -> OAuthClient {
        guard case .object(let fields) = request else {
            throw OAuthError(.invalidClientMetadata, "The registration must be a JSON object.")
        }
        guard case .array(let listed)? = fields["redirect_uris"], !listed.isEmpty, listed.count <= 20 else {
            throw OAuthError(.invalidRedirectURI, "redirect_uris must list from 1 to 20 URIs.")
        }
        var uris: [String] = []
        for value in listed {
            guard let uri = value.stringValue, Self.isAcceptableRedirect(uri) else {
                throw OAuthError(
                    .invalidRedirectURI,
                    "Each redirect URI must be https, http on a loopback address, or an app's own scheme, without a fragment.")
            }
            uris.append(uri)
        }
        if let grants = fields["grant_types"]?.arrayValue?.compactMap(\.stringValue),
           !grants.allSatisfy({ $0 == "authorization_code" || $0 == "refresh_token" }) {
            throw OAuthError(.invalidClientMetadata, "Only the authorization_code and refresh_token grants are offered.")
        }
        if let types = fields["response_types"]?.arrayValue?.compactMap(\.stringValue), types != ["code"] {
            throw OAuthError(.invalidClientMetadata, "Only the response type 'code' is offered.")
        }
        guard try await store.oauthClientCount() < Self.maximumClients else {
            throw OAuthError(.temporarilyUnavailable, "No more clients can register.")
        }
        let name = (fields["client_name"]?.stringValue).map { String($0.prefix(100)) }
        let client = OAuthClient(id: Identifier.make("oac"), name: name?.isEmpty == false ? name! : "An MCP client", redirectURIs: uris)
        let audit = AuditActor(keyID: "anonymous", scope: .system, requestID: nil).event(
            "oauth.client.register", tenantID: nil, targetType: "oauth_client", target: client.id,
            details: ["client_name": .string(client.name)])
        try await store.insertOAuthClient(client, audit: audit)
        return client
    }

    /// Whether clients may be identified by their metadata document's URL.
    public var acceptsClientMetadataDocuments: Bool { documents != nil }

    /// The client `id`: a registered one, or the one the metadata document at the URL `id`
    /// describes (an `OAuthError` says why that document cannot be used).
    public func client(id: String) async throws -> OAuthClient? {
        if let documents, ClientMetadataDocuments.isDocumentURL(id) { return try await documents.client(at: id) }
        return try await store.oauthClient(id: id)
    }

    /// Whether `uri` may be a redirect URI: https, http on loopback, or a private-use scheme
    /// (`com.example.app:/callback`, RFC 8252), with no fragment.
    static func isAcceptableRedirect(_ uri: String) -> Bool {
        guard uri.utf8.count <= 2000, let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased(),
              components.fragment == nil
        else { return false }
        switch scheme {
        case "https": return components.host?.isEmpty == false
        case "http": return components.host.map(isLoopback) ?? false
        case "javascript", "data", "file", "ftp", "ws", "wss": return false
        default: return true
        }
    }

    private static func isLoopback(_ host: String) -> Bool {
        ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
    }

    /// Whether `requested` names one of `client`'s redirect URIs: exactly, or for loopback http
    /// on any port (native apps listen on the port they get, RFC 8252 §7.3).
    public static func redirect(_ requested: String, isRegisteredFor client: OAuthClient) -> Bool {
        if client.redirectURIs.contains(requested) { return true }
        guard var asked = URLComponents(string: requested), asked.scheme == "http", asked.host.map(isLoopback) == true else { return false }
        asked.port = nil
        return client.redirectURIs.contains { registered in
            guard var known = URLComponents(string: registered), known.scheme == "http" else { return false }
            known.port = nil
            return known == asked
        }
    }

    // MARK: Authorization

    /// Records the consent of `principal` (an API key acting for `tenantID`) for `client` and
    /// answers the authorization code to send back.
    public func authorize(
        client: OAuthClient, tenantID: String, principal: Principal, redirectURI: String, codeChallenge: String, resource: String
    ) async throws -> String {
        let code = Self.token(prefix: "jac")
        let grant = OAuthGrant(
            id: Identifier.make("oag"), tenantID: tenantID, keyID: principal.keyID, clientID: client.id, scope: Self.scope,
            resource: resource)
        let stored = OAuthCode(
            digest: Self.digest(code), grantID: grant.id, redirectURI: redirectURI, codeChallenge: codeChallenge,
            expiresAt: Timestamp.now() + lifetimes.code.timeInterval)
        let audit = AuditActor(keyID: principal.keyID, scope: .tenant, requestID: nil).event(
            "oauth.grant", tenantID: tenantID, targetType: "oauth_client", target: client.id,
            details: ["grant_id": .string(grant.id), "client_name": .string(client.name), "resource": .string(resource)])
        try await store.insertOAuthGrant(grant, code: stored, audit: audit)
        return code
    }

    // MARK: Tokens

    /// Exchanges an authorization code (RFC 6749 §4.1.3, with the PKCE verifier of RFC 7636).
    public func exchange(code: String, clientID: String, redirectURI: String, verifier: String, resource: String?) async throws -> IssuedTokens {
        guard let (grant, stored) = try await store.redeemOAuthCode(digest: Self.digest(code), now: Timestamp.now()) else {
            // A replayed code may have revoked a grant whose access tokens this server remembers.
            accessCache.removeAll { _ in true }
            throw OAuthError(.invalidGrant, "The code is unknown, used already, or expired.")
        }
        guard grant.clientID == clientID else { throw OAuthError(.invalidGrant, "The code was issued to another client.") }
        guard stored.redirectURI == redirectURI else {
            throw OAuthError(.invalidGrant, "redirect_uri is not the one the authorization request named.")
        }
        guard Self.challenge(of: verifier) == stored.codeChallenge else {
            throw OAuthError(.invalidGrant, "code_verifier does not match the code_challenge.")
        }
        if let resource, resource != grant.resource {
            throw OAuthError(.invalidTarget, "The code was issued for the resource \(grant.resource).")
        }
        let issued = issue()
        try await store.insertOAuthTokens(issued.stored.map { token in
            var token = token
            token.grantID = grant.id
            return token
        })
        return issued.tokens
    }

    /// Exchanges a refresh token for new tokens, spending it (OAuth 2.1 rotation).
    public func refresh(_ token: String, clientID: String, resource: String?) async throws -> IssuedTokens {
        let issued = issue()
        let audit = AuditActor.system.event("oauth.refresh_reused", tenantID: nil, targetType: "oauth_client", target: clientID)
        switch try await store.rotateOAuthRefreshToken(digest: Self.digest(token), now: Timestamp.now(), issuing: issued.stored, audit: audit) {
        case .rotated(let grant):
            guard grant.clientID == clientID else { throw OAuthError(.invalidGrant, "The refresh token was issued to another client.") }
            if let resource, resource != grant.resource {
                throw OAuthError(.invalidTarget, "The refresh token is for the resource \(grant.resource).")
            }
            return issued.tokens
        case .reused(let grant):
            accessCache.removeAll { $0.id == grant.id }
            throw OAuthError(.invalidGrant, "The refresh token was used already; its grant is revoked. Authorize again.")
        case .invalid:
            throw OAuthError(.invalidGrant, "The refresh token is unknown, expired, or revoked.")
        }
    }

    /// New access and refresh tokens: their texts for the client, their digests to store
    /// (the grant id is filled in by the caller).
    private func issue() -> (tokens: IssuedTokens, stored: [OAuthToken]) {
        let access = Self.token(prefix: "jat"), refresh = Self.token(prefix: "jrt")
        let now = Timestamp.now()
        return (
            IssuedTokens(
                accessToken: access, refreshToken: refresh, expiresIn: Int(lifetimes.accessToken.timeInterval), scope: Self.scope),
            [
                OAuthToken(digest: Self.digest(access), kind: .access, grantID: "", expiresAt: now + lifetimes.accessToken.timeInterval),
                OAuthToken(digest: Self.digest(refresh), kind: .refresh, grantID: "", expiresAt: now + lifetimes.refreshToken.timeInterval),
            ])
    }

    // MARK: Resource server

    /// Whether `text` looks like one of Junction's access tokens.
    public static func isAccessToken(_ text: Substring) -> Bool {
        text.hasPrefix("jat_") && text.utf8.count < 200
    }

    /// The principal an access token acts as: its grant, for its tenant only; `nil` when the
    /// token is unknown, expired or revoked, or the API key that consented is gone.
    public func authenticate(accessToken text: Substring) async throws -> (principal: Principal, grant: OAuthGrant)? {
        let digest = Self.digest(text)
        let key = HexDigits.lowercase(digest)
        let grant: OAuthGrant
        if let cached = accessCache.value(for: key) {
            grant = cached
        } else {
            let revocations = accessCache.version
            guard let stored = try await store.oauthAccessGrant(digest: digest, now: Timestamp.now()) else { return nil }
            grant = stored
            // Not if a grant was revoked meanwhile: the record read may be that grant's.
            accessCache.insert(stored, for: key, ifUnchangedSince: revocations)
        }
        // The token acts with its key's role and allow-lists, and ends with the key.
        guard let key = try await keys.record(id: grant.keyID) else { return nil }
        return (Principal(keyID: grant.id, scope: .tenant(grant.tenantID), role: key.role, access: key.access), grant)
    }

    /// Forgets what expired a day ago or more.
    public func purge() async throws {
        try await store.purgeOAuth(expiredBefore: Timestamp.now() - 86_400)
    }

    // MARK: Tokens as text

    static func token(prefix: String) -> String {
        "\(prefix)_\(RandomToken.make())"
    }

    static func digest(_ text: some StringProtocol) -> [UInt8] {
        Array(SHA256.hash(data: Array(text.utf8)))
    }

    /// The S256 code challenge of `verifier` (RFC 7636 §4.2); `nil` for a verifier of the wrong shape.
    static func challenge(of verifier: String) -> String? {
        let allowed = verifier.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || "-._~".utf8.contains(byte)
        }
        guard (43...128).contains(verifier.utf8.count), allowed else { return nil }
        return RandomToken.base64URL(Array(SHA256.hash(data: Array(verifier.utf8))))
    }
}

/// An OAuth error as RFC 6749 names them (`error`, `error_description`).
public struct OAuthError: Error, Sendable {
    public enum Code: String, Sendable {
        case invalidRequest = "invalid_request"
        case invalidClient = "invalid_client"
        case invalidGrant = "invalid_grant"
        case unauthorizedClient = "unauthorized_client"
        case unsupportedGrantType = "unsupported_grant_type"
        case unsupportedResponseType = "unsupported_response_type"
        case invalidScope = "invalid_scope"
        case invalidTarget = "invalid_target"
        case accessDenied = "access_denied"
        case invalidRedirectURI = "invalid_redirect_uri"
        case invalidClientMetadata = "invalid_client_metadata"
        case temporarilyUnavailable = "temporarily_unavailable"
    }

    public let code: Code
    public let description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// The error response body.
    public var json: JSONValue {
        ["error": .string(code.rawValue), "error_description": .string(description)]
    }
}

/// Random secrets as URL-safe text.
public enum RandomToken {
    /// 32 random bytes (256 bits) as unpadded base64url.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// `bytes` as unpadded base64url (RFC 4648 §5).
    public static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
