/// Current access tokens of `oauth2` credentials, refreshed when they expire or an upstream
/// refuses them, with one refresh in flight per credential however many calls wait (the
/// runtime's token broker, shared with connectors as a service).
public protocol AccessTokenSource: Sendable {
    /// A valid access token for `credential` of tenant `tenantID`.
    ///
    /// - Throws: `authentication_failed` naming re-authorization when the credential was never
    ///   connected or its refresh token no longer works.
    func accessToken(tenantID: String, credential: ResolvedCredential, deadline: ContinuousClock.Instant) async throws -> String

    /// A token other than `rejected`, which an upstream just refused: a refresh, unless another
    /// call already replaced it.
    func accessToken(
        tenantID: String, credential: ResolvedCredential, replacing rejected: String, deadline: ContinuousClock.Instant
    ) async throws -> String
}

/// The `ServiceValues` key for the shared `AccessTokenSource`.
public enum AccessTokenSourceKey: ServiceKey {
    public typealias Value = any AccessTokenSource
}
