import Foundation

/// A stored credential: public configuration in the clear, secret fields sealed.
public struct Credential: Sendable, Hashable {
    /// The credential's id (`cred_…`).
    public var id: String
    /// The owning tenant.
    public var tenantID: String
    /// Its name, unique within the tenant.
    public var name: Slug
    /// How it authenticates.
    public var kind: CredentialKind
    /// The fields that are not secret (e.g. `username`, `token_url`).
    public var config: [String: JSONValue]
    /// Masked renderings of the secret fields, safe to show.
    public var hints: [String: JSONValue]
    /// The secret fields as an encrypted JSON object (see `SecretBox`).
    public var sealedSecrets: [UInt8]
    /// When it was created.
    public var createdAt: Date
    /// When it was last changed.
    public var updatedAt: Date
    /// Where it may be sent.
    public var binding: CredentialBinding

    public init(
        id: String = Identifier.make("cred"),
        tenantID: String,
        name: Slug,
        kind: CredentialKind,
        config: [String: JSONValue],
        hints: [String: JSONValue],
        sealedSecrets: [UInt8],
        createdAt: Date = Timestamp.now(),
        updatedAt: Date? = nil,
        binding: CredentialBinding = .unbound
    ) {
        self.binding = binding
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.kind = kind
        self.config = config
        self.hints = hints
        self.sealedSecrets = sealedSecrets
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}
