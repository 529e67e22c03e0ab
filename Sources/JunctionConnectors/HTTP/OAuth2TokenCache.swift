import Foundation
import JunctionCore
import NIOCore

/// Access tokens from OAuth2 client-credentials grants, cached until shortly before they
/// expire, with at most one token request in flight per credential however many calls wait.
public actor OAuth2TokenCache {
    private struct Token {
        var value: String
        var expires: ContinuousClock.Instant
        /// How long before expiry it is refreshed: the cache's margin, or half the lifetime of
        /// a short-lived token, so that even those are reused.
        var margin: Duration
    }

    private var tokens: [String: Token] = [:]
    private var inFlight: [String: Task<Token, any Error>] = [:]
    /// Tokens are refreshed this long before they expire.
    private let refreshMargin: Duration

    public init(refreshMargin: Duration = .seconds(30)) {
        self.refreshMargin = refreshMargin
    }

    /// A valid access token for `credential`, fetched from its `token_url` through `sender`
    /// when none is cached.
    ///
    /// - Parameter key: identifies the credential, e.g. `tenant:id`.
    public func token(for credential: ResolvedCredential, key: String, sender: HTTPSender, deadline: ContinuousClock.Instant) async throws -> String {
        if let token = tokens[key], token.expires - token.margin > .now {
            return token.value
        }
        if let running = inFlight[key] {
            return try await running.value.value
        }
        let margin = refreshMargin
        let task = Task { try await Self.fetch(credential, sender: sender, deadline: deadline, margin: margin) }
        inFlight[key] = task
        defer { inFlight[key] = nil }
        let token = try await task.value
        tokens[key] = token
        if tokens.count > 1024 {
            let now = ContinuousClock.now
            tokens = tokens.filter { $0.value.expires > now }
        }
        return token.value
    }

    /// Forgets the cached token for `key` if it is still `token` (the one the upstream refused);
    /// a newer token fetched meanwhile by another call is kept.
    public func invalidate(key: String, token: String?) {
        if tokens[key]?.value == token { tokens[key] = nil }
    }

    private static func fetch(
        _ credential: ResolvedCredential, sender: HTTPSender, deadline: ContinuousClock.Instant, margin: Duration
    ) async throws -> Token {
        let fields = credential.fields
        guard let url = fields["token_url"]?.stringValue, let clientID = fields["client_id"]?.stringValue,
              let secret = fields["client_secret"]?.stringValue
        else {
            throw JunctionError(.authenticationFailed, "The OAuth2 credential '\(credential.name)' is incomplete.")
        }
        var form = [("grant_type", "client_credentials")]
        let scopes = fields["scopes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !scopes.isEmpty { form.append(("scope", scopes.joined(separator: " "))) }
        if let audience = fields["audience"]?.stringValue { form.append(("audience", audience)) }
        let reserved: Set<String> = ["grant_type", "client_id", "client_secret", "scope"]
        for (name, value) in (fields["token_parameters"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) where !reserved.contains(name) {
            if let text = value.stringValue { form.append((name, text)) }
        }
        let authentication = fields["token_auth_method"]?.stringValue.flatMap(OAuthClientAuthentication.init(rawValue:)) ?? .basic
        let grant = try await TokenEndpoint.request(
            url, grant: form, clientID: clientID, clientSecret: secret, authentication: authentication, sender: sender,
            timeout: max(.milliseconds(1), ContinuousClock.now.duration(to: deadline)))
        let lifetime = grant.expiresIn ?? .seconds(3600)
        return Token(value: grant.accessToken, expires: .now + lifetime, margin: min(margin, lifetime / 2))
    }
}

/// The `ServiceValues` key for the shared `OAuth2TokenCache`.
public enum OAuth2TokenCacheKey: ServiceKey {
    public typealias Value = OAuth2TokenCache
}

extension NIODeadline {
    /// The NIO deadline at the same moment as a `ContinuousClock` instant.
    static func from(_ instant: ContinuousClock.Instant) -> NIODeadline {
        .now() + TimeAmount(max(.zero, ContinuousClock.now.duration(to: instant)))
    }
}
