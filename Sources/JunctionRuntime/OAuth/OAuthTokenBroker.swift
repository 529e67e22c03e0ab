import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStorage
import Logging

/// The access tokens of `oauth2` credentials: held in memory while fresh, refreshed at the
/// provider shortly before they expire or when an upstream refuses one, with one refresh in
/// flight per credential however many calls wait. Across nodes sharing a store, a refresh is
/// first claimed in the store (a version bump with a short lease), so only one writer ever
/// spends a given refresh token and a rotated one is stored exactly once; the others wait for
/// its result. A refresh the provider refuses (`invalid_grant`: revoked or expired) marks the
/// credential `needs_reauth`, audited and told to the app's outbound connectors, and calls fail
/// with `authentication_failed` naming re-authorization.
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
    /// Bumped by `forget`: a refresh that began before is not kept.
    private var generations: [String: Int] = [:]
    private let refresher: Refresher

    /// A token request gives up after this long (or at the call's deadline, if sooner).
    static let requestTimeout: Duration = .seconds(30)
    /// Tokens are replaced this long before they expire.
    static let refreshMargin: Duration = .seconds(60)
    /// How long a claimed refresh keeps others waiting before they may claim it themselves.
    static let claimLease: Duration = .seconds(45)

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
        var token = try await refreshed(tenantID: tenantID, credential: credential, rejected: rejected, deadline: deadline)
        // Joined a refresh that began before this token was refused and answered it again: once more.
        if token.token == rejected {
            token = try await refreshed(tenantID: tenantID, credential: credential, rejected: rejected, deadline: deadline)
        }
        return token.token
    }

    /// Forgets what is held for a credential (it was connected again, moved or deleted); a
    /// refresh under way is not kept.
    func forget(credentialID: String) {
        held[credentialID] = nil
        generations[credentialID, default: 0] += 1
    }

    private func refreshed(tenantID: String, credential: ResolvedCredential, rejected: String?, deadline: ContinuousClock.Instant) async throws -> Held {
        let task: Task<Held, any Error>
        if let running = refreshing[credential.id] {
            task = running
        } else {
            let refresher = refresher
            // Not bound to one caller's deadline: the others waiting share it.
            task = Task { try await refresher.current(tenantID: tenantID, credential: credential, rejected: rejected) }
            refreshing[credential.id] = task
            let generation = generations[credential.id, default: 0]
            Task { await self.finished(task, credentialID: credential.id, generation: generation) }
        }
        // Each caller waits only until its own deadline.
        return try await withDeadline(deadline, lateError: {
            JunctionError(.timeout, "The token of credential '\(credential.name)' was not refreshed in time.", retryable: true)
        }) {
            try await task.value
        }
    }

    /// Keeps a finished refresh's token (unless the credential was forgotten meanwhile).
    private func finished(_ task: Task<Held, any Error>, credentialID: String, generation: Int) async {
        let result = await task.result
        if refreshing[credentialID] == task { refreshing[credentialID] = nil }
        guard generations[credentialID, default: 0] == generation else { return }
        switch result {
        case .success(let token):
            held[credentialID] = token
            if held.count > 4096 { held = held.filter { $0.value.isFresh } }
        case .failure:
            held[credentialID] = nil
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

        /// A usable token: the stored one if it is fresh and not `rejected`, else one refreshed
        /// under a claim (waiting for another node's claim to end first).
        func current(tenantID: String, credential: ResolvedCredential, rejected: String?) async throws -> Held {
            let giveUp = ContinuousClock.now + OAuthTokenBroker.requestTimeout + OAuthTokenBroker.claimLease
            while ContinuousClock.now < giveUp {
                try Task.checkCancellation()
                let appName = credential.fields["app"]?.stringValue
                guard let state = try await store.oauthTokenState(credentialID: credential.id), state.status != .pending,
                      state.app == nil || state.app == appName
                else {
                    throw OAuthTokenBroker.notConnected(credential.name)
                }
                guard state.status == .connected else {
                    throw OAuthTokenBroker.needsReauthorization(credential.name, reason: state.lastError)
                }
                let tokens = try secrets.openJSON(state.sealedTokens, context: OAuthTokenBroker.sealContext(state))
                let access = tokens["access_token"]?.stringValue ?? ""
                let stored = Held(token: access, expires: state.expiresAt.map(OAuthTokenBroker.instant), margin: OAuthTokenBroker.margin(state))
                if !access.isEmpty, access != rejected, stored.isFresh { return stored }
                if let claim = state.refreshingUntil, claim > Date() {
                    // Another node is refreshing: its answer will be stored.
                    try await Task.sleep(for: .milliseconds(100))
                    continue
                }
                guard let refreshToken = tokens["refresh_token"]?.stringValue else {
                    guard rejected == nil else {
                        // One refusal of an unexpired token proves little: the grant stays.
                        throw JunctionError(
                            .authenticationFailed,
                            "The upstream refused the access token of credential '\(credential.name)', which has no refresh token; if this persists, connect it again.",
                            details: ["credential": .string(credential.name.rawValue)])
                    }
                    if try await markNeedsReauth(state, credential: credential, reason: "the access token expired and the provider issued no refresh token") {
                        throw OAuthTokenBroker.needsReauthorization(credential.name, reason: "the access token expired and the provider issued no refresh token")
                    }
                    continue
                }
                var claimed = state
                claimed.version += 1
                claimed.refreshingUntil = Date().addingTimeInterval(OAuthTokenBroker.claimLease.timeInterval)
                guard try await store.storeOAuthTokenState(claimed, expectedVersion: state.version, audit: nil, notify: [], notice: nil) else {
                    continue
                }
                if let held = try await refresh(claimed, refreshToken: refreshToken, credential: credential) { return held }
            }
            throw JunctionError(
                .timeout, "Credential '\(credential.name)' is being refreshed elsewhere and did not finish in time.", retryable: true)
        }

        /// Exchanges the refresh token of the claimed state; `nil` when the claim was lost.
        private func refresh(_ claimed: OAuthTokenState, refreshToken: String, credential: ResolvedCredential) async throws -> Held? {
            let grant: TokenGrant
            do {
                let app = try await apps.app(of: credential, tenantID: claimed.tenantID)
                grant = try await TokenEndpoint.request(
                    app.tokenURL, grant: [("grant_type", "refresh_token"), ("refresh_token", refreshToken)], clientID: app.clientID,
                    clientSecret: try await apps.clientSecret(of: app), authentication: app.clientAuthentication, sender: sender,
                    timeout: OAuthTokenBroker.requestTimeout)
            } catch let error as JunctionError where error.code == .authenticationFailed && TokenEndpoint.isDeadGrant(error) {
                let reason = "the provider refused the refresh token (\(error.details?["oauth_error"]?.stringValue ?? "invalid_grant"))"
                guard try await markNeedsReauth(claimed, credential: credential, reason: reason) else { return nil }
                throw OAuthTokenBroker.needsReauthorization(credential.name, reason: reason)
            } catch {
                // The provider is unavailable or the app is wrong: the grant stays, the claim ends.
                var released = claimed
                released.version += 1
                released.refreshingUntil = nil
                _ = try? await store.storeOAuthTokenState(released, expectedVersion: claimed.version, audit: nil, notify: [], notice: nil)
                if let failure = error as? JunctionError, failure.code == .authenticationFailed {
                    throw JunctionError(
                        .authenticationFailed, "Refreshing credential '\(credential.name)' failed: \(failure.message) Check its OAuth app.",
                        details: failure.details, upstreamStatus: failure.upstreamStatus)
                }
                throw error
            }
            let next = try OAuthTokenBroker.connected(
                claimed, grant: grant, keeping: refreshToken, app: claimed.app, secrets: secrets, connected: false)
            guard try await store.storeOAuthTokenState(next, expectedVersion: claimed.version, audit: nil, notify: [], notice: nil) else {
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
            next.refreshingUntil = nil
            let app = try? await apps.app(of: credential, tenantID: state.tenantID)
            let audit = AuditActor.system.event(
                "credential.needs_reauth", tenantID: state.tenantID, targetType: "credential", target: credential.name.rawValue,
                details: ["reason": .string(reason), "app": app.map { .string($0.name.rawValue) } ?? .null])
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

    /// The state after `grant`: connected, the next version, its tokens sealed (the refresh
    /// token kept when the provider issued no new one), claim released.
    static func connected(
        _ previous: OAuthTokenState, grant: TokenGrant, keeping refreshToken: String?, app: String?, secrets: SecretBox, connected: Bool
    ) throws -> OAuthTokenState {
        var next = previous
        let now = Timestamp.now()
        next.version += 1
        next.status = .connected
        next.app = app
        var tokens: [String: JSONValue] = ["access_token": .string(grant.accessToken)]
        if let refresh = grant.refreshToken ?? refreshToken { tokens["refresh_token"] = .string(refresh) }
        next.sealedTokens = try secrets.sealJSON(tokens, context: sealContext(next))
        next.expiresAt = grant.expiresIn.map { now.addingTimeInterval($0.timeInterval) }
        next.scope = grant.scope ?? (connected ? nil : previous.scope)
        next.extra = connected ? grant.extra : previous.extra.merging(grant.extra) { _, new in new }
        next.lastError = nil
        next.refreshedAt = now
        next.refreshingUntil = nil
        if connected { next.connectedAt = now }
        return next
    }

    /// The failure of a credential that was never connected (or moved to another app since).
    static func notConnected(_ name: Slug) -> JunctionError {
        JunctionError(
            .authenticationFailed,
            "Credential '\(name)' is not connected: authorize it with POST /api/v1/credentials/\(name)/connect (or Connect in the console).",
            details: ["credential": .string(name.rawValue), "status": "pending"])
    }

    /// The failure of a credential whose tokens no longer work.
    static func needsReauthorization(_ name: Slug, reason: String?) -> JunctionError {
        let why = reason.map { " (\($0))" } ?? ""
        return JunctionError(
            .authenticationFailed,
            "Credential '\(name)' needs re-authorization\(why): connect it again with POST /api/v1/credentials/\(name)/connect.",
            details: ["credential": .string(name.rawValue), "status": "needs_reauth"])
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
