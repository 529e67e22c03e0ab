import Foundation

/// One recorded change or notable action: who did what to which thing, and how it ended.
public struct AuditEvent: Sendable, Hashable, Codable {
    /// What kind of key acted.
    public enum ActorScope: String, Sendable, Hashable, Codable {
        /// A platform (operator) key.
        case platform
        /// A tenant's key.
        case tenant
        /// Junction itself.
        case system
    }

    /// The event's sequence number, assigned by the store.
    public var sequence: Int64?
    /// When it happened.
    public var at: Date
    /// The tenant it concerns, if any.
    public var tenantID: String?
    /// The id of the API key that acted (`system` for Junction itself).
    public var actor: String
    /// Whether the actor was a platform key, a tenant key or Junction itself.
    public var actorScope: ActorScope
    /// What was done, e.g. `connector.create`.
    public var action: String
    /// The kind of thing acted on, e.g. `connector`.
    public var targetType: String
    /// The thing's name or id.
    public var target: String
    /// `ok`, or an error code.
    public var outcome: String
    /// The request that caused it.
    public var requestID: String?
    /// Extra facts (never secrets), e.g. the fields a partial update changed.
    public var details: JSONValue?
    /// The event's digest in its tenant's hash chain (hex), assigned by the store.
    public var digest: String?

    public init(
        at: Date = Timestamp.now(),
        tenantID: String?,
        actor: String,
        actorScope: ActorScope = .tenant,
        action: String,
        targetType: String,
        target: String,
        outcome: String = "ok",
        requestID: String? = nil,
        details: JSONValue? = nil
    ) {
        self.at = at
        self.tenantID = tenantID
        self.actor = actor
        self.actorScope = actorScope
        self.action = action
        self.targetType = targetType
        self.target = target
        self.outcome = outcome
        self.requestID = requestID
        self.details = details
    }

    enum CodingKeys: String, CodingKey {
        case sequence, at, actor, action, target, outcome, details, digest
        case tenantID = "tenant_id"
        case targetType = "target_type"
        case requestID = "request_id"
        case actorScope = "actor_scope"
    }

    /// Writes absent optionals as `null`, like every other record of the API.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(at, forKey: .at)
        try container.encode(tenantID, forKey: .tenantID)
        try container.encode(actor, forKey: .actor)
        try container.encode(actorScope, forKey: .actorScope)
        try container.encode(action, forKey: .action)
        try container.encode(targetType, forKey: .targetType)
        try container.encode(target, forKey: .target)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(requestID, forKey: .requestID)
        try container.encode(details, forKey: .details)
        try container.encode(digest, forKey: .digest)
    }
}
