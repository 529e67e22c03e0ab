import JunctionCore

/// Who is calling: the API key that authenticated the request and what it may act for.
public struct Principal: Sendable, Hashable {
    /// The authenticating key's id, recorded as the actor in audit events.
    public var keyID: String
    /// Platform or one tenant.
    public var scope: APIKey.Scope
    /// What the key may do in its tenant.
    public var role: KeyRole
    /// Which connectors and resources its calls may reach.
    public var access: KeyAccess

    public init(keyID: String, scope: APIKey.Scope, role: KeyRole = .admin, access: KeyAccess = .unrestricted) {
        self.keyID = keyID
        self.scope = scope
        self.role = role
        self.access = access
    }

    /// Whether this is the platform operator's key.
    public var isPlatform: Bool { scope == .platform }
}

/// Who acts, for audit events: the principal and the request.
public struct AuditActor: Sendable, Hashable {
    /// The key id (or `system`).
    public var keyID: String
    /// What kind of key it is.
    public var scope: AuditEvent.ActorScope
    /// The request id, if the action came through the API.
    public var requestID: String?
    /// The MCP client's name (its `clientInfo.name`), for calls over MCP.
    public var client: String?
    /// Which connectors and resources the actor's key lets it call.
    public var access: KeyAccess

    public init(
        keyID: String, scope: AuditEvent.ActorScope, requestID: String?, client: String? = nil, access: KeyAccess = .unrestricted
    ) {
        self.keyID = keyID
        self.scope = scope
        self.requestID = requestID
        self.client = client
        self.access = access
    }

    /// Junction itself, e.g. for first-start bootstrap.
    public static let system = AuditActor(keyID: "system", scope: .system, requestID: nil)

    /// An audit event by this actor.
    public func event(
        _ action: String,
        tenantID: String?,
        targetType: String,
        target: String,
        details: JSONValue? = nil
    ) -> AuditEvent {
        AuditEvent(
            tenantID: tenantID, actor: keyID, actorScope: scope, action: action, targetType: targetType, target: target,
            requestID: requestID, details: details
        )
    }
}
