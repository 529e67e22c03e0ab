import Foundation
import JunctionCore

/// What a provider's token endpoint granted.
public struct TokenGrant: Sendable {
    public var accessToken: String
    /// A refresh token, when the provider issued (or rotated) one.
    public var refreshToken: String?
    /// The access token's lifetime, when the provider said.
    public var expiresIn: Duration?
    /// The scopes granted, as the provider wrote them.
    public var scope: String?
    /// The answer's members that identify where and for whom the tokens work (Salesforce's
    /// `instance_url`, Slack's `team`); see `TokenEndpoint.keptMembers`.
    public var extra: [String: JSONValue]
}

/// One request to an OAuth 2.0 token endpoint (RFC 6749 §3.2) and its answer, with the quirks
/// providers have: client authentication by HTTP Basic or in the form, answers as JSON or as a
/// form (older GitHub-style endpoints), and refusals inside an HTTP 200 (`{"ok": false,
/// "error": …}` from Slack, `{"error": …}` from others).
public enum TokenEndpoint {
    /// The error codes that mean the grant itself is dead and the user must authorize again:
    /// RFC 6749 §5.2's `invalid_grant`, Slack's `invalid_refresh_token` and HubSpot's
    /// `BAD_REFRESH_TOKEN`.
    public static let deadGrantErrors: Set<String> = ["invalid_grant", "invalid_refresh_token", "BAD_REFRESH_TOKEN"]

    /// Whether `error`, thrown by `request`, says the grant is dead.
    public static func isDeadGrant(_ error: JunctionError) -> Bool {
        error.details?["oauth_error"]?.stringValue.map(deadGrantErrors.contains) ?? false
    }

    /// The token answer's members kept beside the tokens: none of them is a secret.
    public static let keptMembers: Set<String> = ["instance_url", "team", "enterprise", "bot_user_id", "app_id", "cloud_id"]

    /// Exchanges `grant` (e.g. `grant_type=refresh_token`) at `url`.
    ///
    /// - Throws: `authentication_failed` when the endpoint refuses (its OAuth error code in
    ///   `details.oauth_error`); a retryable `upstream_error` when it fails (5xx, 429, network).
    public static func request(
        _ url: String, grant: [(String, String)], clientID: String, clientSecret: String?,
        authentication: OAuthClientAuthentication, sender: HTTPSender, timeout: Duration
    ) async throws -> TokenGrant {
        var form = grant
        var headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")]
        switch authentication {
        case .basic:
            let pair = "\(PercentEncoding.encodeComponent(clientID)):\(PercentEncoding.encodeComponent(clientSecret ?? ""))"
            headers.append(("Authorization", "Basic \(Data(pair.utf8).base64EncodedString())"))
        case .post:
            form.append(("client_id", clientID))
            if let clientSecret { form.append(("client_secret", clientSecret)) }
        case .none:
            form.append(("client_id", clientID))
        }
        let body = PercentEncoding.query(form)
        let answer = try await sender.post(url, headers: headers, body: Array(body.utf8), timeout: timeout, context: "the token endpoint")
        let document = Self.document(answer)
        if answer.status >= 500 || answer.status == 429 {
            throw JunctionError(
                .upstreamError, "The token endpoint is unavailable (HTTP \(answer.status)).", retryable: true, upstreamStatus: answer.status)
        }
        // The error's code: `error` (RFC 6749), or HubSpot's `status` on a refusal.
        let refused = document["error"].map { $0.stringValue ?? $0["code"]?.stringValue ?? "error" }
            ?? (answer.isSuccess ? nil : document["status"]?.stringValue)
        guard answer.isSuccess, refused == nil, document["ok"]?.boolValue != false,
              let accessToken = document["access_token"]?.stringValue, !accessToken.isEmpty
        else {
            let code = refused ?? (answer.isSuccess ? "no_access_token" : "http_\(answer.status)")
            let described = (document["error_description"]?.stringValue ?? document["message"]?.stringValue).map { ": \($0.prefix(300))" } ?? ""
            throw JunctionError(
                .authenticationFailed, "The token endpoint refused the grant (\(code.prefix(100)))\(described).",
                details: ["oauth_error": .string(String(code.prefix(100)))], upstreamStatus: answer.status)
        }
        // Only members known to hold no secret are kept (Slack's answer may carry an incoming
        // webhook's secret URL, others an id_token).
        let extra = (document.objectValue ?? [:]).filter { Self.keptMembers.contains($0.key) }
        let lifetime = document["expires_in"].flatMap { $0.intValue ?? $0.stringValue.flatMap(Int.init) }
        return TokenGrant(
            accessToken: accessToken, refreshToken: document["refresh_token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            expiresIn: lifetime.map { .seconds(max(1, $0)) }, scope: document["scope"]?.stringValue, extra: extra)
    }

    /// The answer as JSON, or its form fields as an object of strings.
    private static func document(_ answer: HTTPSender.Answer) -> JSONValue {
        if let json = answer.json { return json }
        let text = String(decoding: answer.body.prefix(64 << 10), as: UTF8.self)
        var object: [String: JSONValue] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
            if parts.count == 2 { object[parts[0]] = .string(parts[1]) }
        }
        return .object(object)
    }
}
