import Foundation

/// A request for a person to let one exact call through: which tenant, connector, resource and
/// actor, and the digest of the call's canonical arguments. Approving lets that call (the same
/// arguments, by the same actor) through once, before `expiresAt`; anything else needs a new one.
public struct Approval: Sendable, Hashable {
    /// Where an approval stands.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// Waiting for a decision.
        case pending
        /// Approved and not used yet.
        case approved
        /// Denied.
        case denied
        /// Approved and used by its call.
        case used
        /// Undecided (or unused) past its expiry.
        case expired
    }

    /// `apr_…`.
    public var id: String
    public var tenantID: String
    public var connector: Slug
    public var resource: Slug
    public var kind: ResourceKind
    /// Who made the call: `key_…`, `agent:NAME`, `oag_…`.
    public var actor: String
    /// SHA-256 (hex) of the call's arguments and sending options (`credential`, `headers`) as
    /// canonical JSON (keys sorted, compact).
    public var argumentsDigest: String
    /// The arguments for the approver to read, redacted as the audit log redacts them.
    public var arguments: JSONValue
    /// The credential the call asked for instead of the connector's (`options.credential`).
    public var credential: Slug?
    /// The policy rule that asked for it (`nil`: the tenant default).
    public var rule: String?
    /// The run that made the call, if an agent did.
    public var runID: String?
    /// The request that made the call.
    public var requestID: String?
    /// As stored; `effectiveStatus(at:)` also says when it expired.
    public var status: Status
    public var createdAt: Date
    public var expiresAt: Date
    public var decidedAt: Date?
    /// The key that decided.
    public var decidedBy: String?
    /// The reason the approver gave.
    public var decisionReason: String?
    /// When its call used it (or a denial was answered).
    public var usedAt: Date?

    public init(
        id: String = Identifier.make("apr"), tenantID: String, connector: Slug, resource: Slug, kind: ResourceKind, actor: String,
        argumentsDigest: String, arguments: JSONValue, credential: Slug? = nil, rule: String?, runID: String? = nil, requestID: String? = nil,
        status: Status = .pending, createdAt: Date = Timestamp.now(), expiresAt: Date, decidedAt: Date? = nil,
        decidedBy: String? = nil, decisionReason: String? = nil, usedAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.connector = connector
        self.resource = resource
        self.kind = kind
        self.actor = actor
        self.argumentsDigest = argumentsDigest
        self.arguments = arguments
        self.credential = credential
        self.rule = rule
        self.runID = runID
        self.requestID = requestID
        self.status = status
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.decisionReason = decisionReason
        self.usedAt = usedAt
    }

    /// The status at `now`: a pending or approved approval past its expiry is `expired`.
    public func effectiveStatus(at now: Date) -> Status {
        if (status == .pending || status == .approved), expiresAt <= now { return .expired }
        return status
    }
}
