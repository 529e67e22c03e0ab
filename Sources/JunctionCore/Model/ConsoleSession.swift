import Foundation

/// A signed-in web console session, stored as the SHA-256 digest of its cookie's token.
///
/// It acts as the API key that signed in (whose role and allow-lists still apply, and which
/// ends the session when deleted); a platform key's session also remembers the tenant it chose.
public struct ConsoleSession: Sendable, Hashable {
    public var digest: [UInt8]
    /// The API key that signed in.
    public var keyID: String
    /// The tenant a platform key's session acts on (`nil` until one is chosen); a tenant
    /// key's session always acts on its own.
    public var tenantID: String?
    public var createdAt: Date
    /// When the session ends unless it is used before then (each use moves it on, up to `endsAt`).
    public var expiresAt: Date
    /// When the session ends however much it is used.
    public var endsAt: Date

    public init(digest: [UInt8], keyID: String, tenantID: String?, createdAt: Date, expiresAt: Date, endsAt: Date) {
        self.digest = digest
        self.keyID = keyID
        self.tenantID = tenantID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.endsAt = endsAt
    }
}
