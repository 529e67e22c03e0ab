import Foundation

/// An isolated customer space. Every connector, credential and key belongs to one.
public struct Tenant: Sendable, Hashable, Codable {
    /// The tenant's id, e.g. `ten_…`.
    public var id: String
    /// The tenant's unique name.
    public var name: Slug
    /// When it was created.
    public var createdAt: Date

    public init(id: String = Identifier.make("ten"), name: Slug, createdAt: Date = Timestamp.now()) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case createdAt = "created_at"
    }
}
