import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStorage
import Logging

/// The access tokens of `oauth2` credentials: held in memory while fresh, refreshed at the
/// provider shortly before they expire or when an upstream refuses one, with one refresh in
/// flight per credential however many calls wait. A refresh is stored by compare-and-swap on
/// the state's version, so a rotated refresh token is kept exactly once even when another
/// node refreshed meanwhile; a refresh the provider refuses (`invalid_grant`: revoked or
/// expired) marks the credential `needs_reauth`, audited and told to the app's outbound
/// connectors, and calls fail with `authentication_failed` naming re-authorization.
public actor OAuthTokenBroker: AccessTokenSource {
    /// A token in hand.
    struct Held: Sendable {
        var token: String
        var expires: ContinuousClock.Instant?
        /// How long before expiry it is replaced: a minute, or half the lifetime of a short one.
        var margin: Duration

        var isFresh: Bool { expires.map { $0 - margin > .now } ?? true }
    }

    private var held: [String: Held] = [:]
    private var refreshing: [String: Task<Held, any Error>] = [:]
    private let refresher: Refresher

    /// Token requests time out after this long whatever the call's deadline.
    static let requestTimeout: Duration = .seconds(30)
    /// Tokens are replaced this long before they expire.
    static let refreshMargin: Duration = .seconds(60)

    init(store: any Store, secrets: SecretBox, apps: OAuthAppService, sender: HTTPSender, deliveries: WakeSignal?) {
        refresher = Refresher(store: store, secrets: secrets, apps: apps, sender: sender, deliveries: deliveries)
    }

    public func accessToken(tenantID: String, credential: ResolvedCredential, deadline: ContinuousClock.Instant) async throws -> String {
        if let current = held[credential.id], current.isFresh { return current.token }
        return try await refreshed(tenantID: tenantID, credential: credential, rejected: nil, deadline: deadline).token
    }

    public func accessToken(
        tenantID: String, credential: ResolvedCredential, replacing rejected: String, deadline: ContinuousClock.Instant
    ) async throws -> String {
        if let current = held[credential.id], current.token != rejected, current.isFresh { return current.token }
        return try await refreshed(tenantID: tenantID, credential: credential, rejected: rejected, deadline: deadline).token
    }

    /// Forgets what is held for a credential (it was connected again or deleted).
    func forget(credentialID: String) {
        held[credentialID] = nil
    }

    /// The number of refreshes under way (for tests of the single flight).
    var refreshesInFlight: Int { refreshing.count }

    private func refreshed(tenantID: String, credential: ResolvedCredential, rejected: String?, deadline: ContinuousClock.Instant) async throws -> Held {
        if let running = refreshing[credential.id] { return try await running.value }
        let refresher = refresher
        let task = Task { try await refresher.current(tenantID: tenantID, credential: credential, rejected: rejected) }
        refreshing[credential.id] = task
        defer { refreshing[credential.id] = nil }
        do {
            let token = try await task.value
            held[credential.id] = token
            if held.count > 4096 { held = held.filter { $0.value.isFresh } }
            return token
        } catch {
            held[credential.id] = nil
            throw error
        }
    }

    /// The stored state and the provider, outside the actor.
    struct Refresher: Sendable {
        let store: any Store
        let secrets: SecretBox
        let apps: OAuthAppService
        let sender: HTTPSender
        let deliveries: WakeSignal?

        private static let logger = Logger(label: "junction.oauth")

        /// A usable token: the stored one if it is fresh and not `rejected`, else a refreshed one.
        func current(tenantID: String, credential: ResolvedCredential, rejected: String?) async throws -> Held {
            // A lost compare-and-swap means another writer changed the state: read it again.
            for _ in 0..<3 {
                guard let state = try await store.oauthTokenState(credentialID: credential.id), state.status != .pending else {
                    throw OAuthTokenBroker.notConnected(credential.name)
                }
                guard state.status == .connected else {
                    throw OAuthTokenBroker.needsReauthorization(credential.name, reason: state.lastError)
                }
                let tokens = try secrets.openJSON(state.sealedTokens, context: OAuthTokenBroker.sealContext(state))
                let access = tokens["access_token"]?.stringValue ?? ""
                let stored = Held(token: access, expires: state.expiresAt.map(OAuthTokenBroker.instant), margin: OAuthTokenBroker.margin(state))
                if !access.isEmpty, access != rejected, stored.isFresh { return stored }
                guard let refreshToken = tokens["refresh_token"]?.stringValue else {
                    if try await markNeedsReauth(
                        state, credential: credential,
                        reason: rejected == nil ? "the access token expired and the provider issued no refresh token"
                            : "the upstream refused the access token and the provider issued no refresh token")
                    {
                        throw OAuthTokenBroker.needsReauthorization(credential.name, reason: nil)
                    }
                    continue
                }
                if let held = try await refresh(state, refreshToken: refreshToken, credential: credential) { return held }
            }
            throw JunctionError(
                .upstreamError, "Credential '\(credential.name)' kept changing while its token was refreshed; try again.", retryable: true)
        }

        /// Exchanges the refresh token; `nil` when another writer stored a state first.
        private func refresh(_ state: OAuthTokenState, refreshToken: String, credential: ResolvedCredential) async throws -> Held? {
            guard let appName = credential.fields["app"]?.stringValue.flatMap(Slug.init),
                  let app = try await store.oauthApp(tenantID: state.tenantID, name: appName)
            else {
                throw JunctionError(.authenticationFailed, "Credential '\(credential.name)' names an OAuth app that no longer exists.")
            }
            let grant: TokenGrant
            do {
                grant = try await TokenEndpoint.request(
                    app.tokenURL, grant: [("grant_type", "refresh_token"), ("refresh_token", refreshToken)], clientID: app.clientID,
                    clientSecret: try await apps.clientSecret(of: app), authentication: app.clientAuthentication, sender: sender,
                    timeout: OAuthTokenBroker.requestTimeout)
            } catch let error as JunctionError where error.code == .authenticationFailed {
                let code = error.details?["oauth_error"]?.stringValue ?? ""
                guard TokenEndpoint.deadGrantErrors.contains(code) else {
                    throw JunctionError(
                        .authenticationFailed, "Refreshing credential '\(credential.name)' failed: \(error.message) Check OAuth app '\(app.name)'.",
                        details: error.details, upstreamStatus: error.upstreamStatus)
                }
                guard try await markNeedsReauth(state, credential: credential, reason: "the provider refused the refresh token (\(code))") else {
                    return nil
                }
                throw OAuthTokenBroker.needsReauthorization(credential.name, reason: "the provider refused the refresh token (\(code))")
            }
            var next = state
            next.version += 1
            next.sealedTokens = try secrets.sealJSON(
                ["access_token": .string(grant.accessToken), "refresh_token": .string(grant.refreshToken ?? refreshToken)],
                context: OAuthTokenBroker.sealContext(state))
            let now = Timestamp.now()
            next.expiresAt = grant.expiresIn.map { now.addingTimeInterval($0.timeInterval) }
            next.scope = grant.scope ?? state.scope
            next.extra = state.extra.merging(grant.extra) { _, new in new }
            next.refreshedAt = now
            guard try await store.storeOAuthTokenState(next, expectedVersion: state.version, audit: nil, notify: [], notice: nil) else {
                return nil
            }
            return Held(token: grant.accessToken, expires: next.expiresAt.map(OAuthTokenBroker.instant), margin: OAuthTokenBroker.margin(next))
        }

        /// Stores `needs_reauth` (audited, told to the app's outbound connectors); `false` when
        /// another writer changed the state first.
        private func markNeedsReauth(_ state: OAuthTokenState, credential: ResolvedCredential, reason: String) async throws -> Bool {
            var next = state
            next.version += 1
            next.status = .needsReauth
            next.lastError = reason
            let appName = credential.fields["app"]?.stringValue.flatMap(Slug.init)
            var app: OAuthApp?
            if let appName { app = try await store.oauthApp(tenantID: state.tenantID, name: appName) }
            let audit = AuditActor.system.event(
                "credential.needs_reauth", tenantID: state.tenantID, targetType: "credential", target: credential.name.rawValue,
                details: ["reason": .string(reason), "app": appName.map { .string($0.rawValue) } ?? .null])
            var notice: JSONValue?
            if let app, !app.notify.isEmpty {
                notice = [
                    "event": "credential.needs_reauth",
                    "credential": ["name": .string(credential.name.rawValue), "app": .string(app.name.rawValue), "reason": .string(reason)],
                    "connect": .string("POST /api/v1/credentials/\(credential.name)/connect"),
                ]
            }
            guard try await store.storeOAuthTokenState(
                next, expectedVersion: state.version, audit: audit, notify: app?.notify ?? [], notice: notice)
            else { return false }
            Self.logger.warning(
                "OAuth credential needs re-authorization",
                metadata: ["tenant.id": .string(state.tenantID), "credential": .string(credential.name.rawValue), "reason": .string(reason)])
            if notice != nil { deliveries?.fire() }
            return true
        }
    }

    /// The failure of a credential that was never connected.
    static func notConnected(_ name: Slug) -> JunctionError {
        JunctionError(
            .authenticationFailed,
            "Credential '\(name)' is not connected yet: authorize it with POST /api/v1/credentials/\(name)/connect (or Connect in the console).",
            details: ["credential": .string(name.rawValue), "needs_reauth": true])
    }

    /// The failure of a credential whose tokens no longer work.
    static func needsReauthorization(_ name: Slug, reason: String?) -> JunctionError {
        let why = reason.map { " (\($0))" } ?? ""
        return JunctionError(
            .authenticationFailed,
            "Credential '\(name)' needs re-authorization\(why): connect it again with POST /api/v1/credentials/\(name)/connect.",
            details: ["credential": .string(name.rawValue), "needs_reauth": true])
    }

    /// The authenticated context the tokens of a credential are sealed with.
    static func sealContext(_ state: OAuthTokenState) -> String { "oauth-tokens:\(state.tenantID):\(state.credentialID)" }

    /// The clock instant of a stored expiry.
    static func instant(_ date: Date) -> ContinuousClock.Instant {
        .now + .milliseconds(Int64((date.timeIntervalSinceNow * 1000).rounded()))
    }

    /// A minute, or half the lifetime of a token that lives less than two.
    static func margin(_ state: OAuthTokenState) -> Duration {
        guard let expires = state.expiresAt else { return .zero }
        let lifetime = expires.timeIntervalSince(state.refreshedAt ?? state.connectedAt ?? expires)
        return min(refreshMargin, .milliseconds(Int64(max(0, lifetime) * 500)))
    }
}
