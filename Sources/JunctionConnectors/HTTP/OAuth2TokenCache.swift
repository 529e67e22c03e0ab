import AsyncHTTPClient
import Foundation
import JunctionCore
import NIOCore
import NIOHTTP1

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

    /// A valid access token for `credential`, fetched from its `token_url` when none is cached.
    ///
    /// - Parameter key: identifies the credential and its version, e.g. `tenant:id:updated_at`.
    public func token(for credential: ResolvedCredential, key: String, client: HTTPClient, deadline: ContinuousClock.Instant) async throws -> String {
        if let token = tokens[key], token.expires - token.margin > .now {
            return token.value
        }
        if let running = inFlight[key] {
            return try await running.value.value
        }
        let margin = refreshMargin
        let task = Task { try await Self.fetch(credential, client: client, deadline: deadline, margin: margin) }
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
        _ credential: ResolvedCredential, client: HTTPClient, deadline: ContinuousClock.Instant, margin: Duration
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
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let basic = Data("\(PercentEncoding.encodeComponent(clientID)):\(PercentEncoding.encodeComponent(secret))".utf8)
        request.headers.add(name: "Authorization", value: "Basic \(basic.base64EncodedString())")
        let body = form.map { "\($0.0)=\(PercentEncoding.encodeComponent($0.1))" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: NIODeadline.from(deadline))
        } catch {
            throw HTTPFailure.map(error, context: "token endpoint")
        }
        let bytes = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(response.status.code) else {
            let status = Int(response.status.code)
            if status >= 500 || status == 429 {
                throw JunctionError(
                    .upstreamError, "The token endpoint is unavailable (HTTP \(status)).", retryable: true, upstreamStatus: status)
            }
            throw JunctionError(.authenticationFailed, "The token endpoint answered \(status).", upstreamStatus: status)
        }
        guard let json = try? JSONCoding.decode(bytes.readableBytesView), let token = json["access_token"]?.stringValue else {
            throw JunctionError(.authenticationFailed, "The token endpoint's answer has no access_token.")
        }
        let lifetime = Duration.seconds(max(1, json["expires_in"]?.intValue ?? 3600))
        return Token(value: token, expires: .now + lifetime, margin: min(margin, lifetime / 2))
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
