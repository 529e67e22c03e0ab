import Crypto
import Foundation
import JunctionCore
import JunctionStorage

/// Approvals of calls a policy holds for a person: raised by the invoke path, decided through
/// the API, CLI or approval page, and spent by the one call they were raised for.
public struct ApprovalService: Sendable {
    private let store: any Store
    /// Fired when notices are queued, to wake the delivery senders.
    private let deliveries: WakeSignal?
    /// Fired when an approval is decided, to wake the runs waiting for one.
    public let decisions: WakeSignal
    /// The server's public URL (`public_url`), for the approval links in answers and notices.
    public let publicURL: String?

    public init(store: any Store, publicURL: String? = nil, deliveries: WakeSignal? = nil, decisions: WakeSignal = WakeSignal()) {
        self.store = store
        self.publicURL = publicURL.map { url in url.hasSuffix("/") ? String(url.dropLast()) : url }
        self.deliveries = deliveries
        self.decisions = decisions
    }

    /// The page where a person decides approval `id`, under `base` (a public URL).
    public static func link(_ id: String, base: String) -> String {
        base + "/approvals/" + id
    }

    /// `envelope` with the link to its pending approval under `base`, when it is waiting for
    /// one and has no link yet (no `public_url` is configured).
    public static func linking(_ envelope: InvokeEnvelope, base: String?) -> InvokeEnvelope {
        guard let base, var failure = envelope.error, failure.code == .approvalRequired,
              case .object(var details)? = failure.details, details["url"] == nil, let id = details["approval_id"]?.stringValue
        else { return envelope }
        details["url"] = .string(link(id, base: base))
        failure.details = .object(details)
        var linked = envelope
        linked.error = failure
        return linked
    }

    /// The digest binding an approval to its call: SHA-256 of the canonical JSON of its
    /// arguments and of the options that change what it sends (`credential`, `headers`).
    public static func digest(of request: InvokeRequest) -> String {
        var bound: [String: JSONValue] = ["data": request.data]
        if let credential = request.options.credential { bound["credential"] = .string(credential.rawValue) }
        if !request.options.headers.isEmpty { bound["headers"] = .object(request.options.headers.mapValues(JSONValue.string)) }
        return HexDigits.lowercase(SHA256.hash(data: JSONValue.object(bound).jsonBytes))
    }

    /// For a call that needs approval: the approval granted for exactly this call, to spend
    /// (`spend`) once the call is about to run; otherwise throws `approval_required` with the
    /// pending approval (raising one, and notifying, if there is none) or, spending a denial,
    /// `policy_denied` with its reason.
    func approved(
        _ request: InvokeRequest, connector: Slug, resource: Resource, decision: PolicyDecision, policy: Policy,
        redactedArguments: () -> JSONValue
    ) async throws -> Approval {
        let digest = Self.digest(of: request)
        let now = Timestamp.now()
        if let open = try await store.openApproval(
            tenantID: request.tenantID, connector: connector, resource: resource.slug, actor: request.actor.keyID,
            argumentsDigest: digest, now: now)
        {
            switch open.status {
            case .approved:
                return open
            case .denied:
                if try await store.spendApproval(id: open.id, now: now) {
                    let reason = open.decisionReason.map { ": \($0)" } ?? "."
                    throw JunctionError(
                        .policyDenied, "Approval \(open.id) for this call was denied by \(open.decidedBy ?? "an approver")\(reason)",
                        details: ["approval_id": .string(open.id), "rule": decision.rule.map(JSONValue.string) ?? .null])
                }
                // Another call told the denial first: this one asks again.
            default:
                throw required(open, decision: decision)
            }
        }
        let approval = Approval(
            tenantID: request.tenantID, connector: connector, resource: resource.slug, kind: resource.kind,
            actor: request.actor.keyID, argumentsDigest: digest, arguments: redactedArguments(), credential: request.options.credential,
            rule: decision.rule, runID: request.runID, requestID: request.requestID, createdAt: now,
            expiresAt: now.addingTimeInterval(policy.approvals.timeToLive.timeInterval))
        let audit = request.actor.event(
            "approval.request", tenantID: request.tenantID, targetType: "approval", target: approval.id,
            details: [
                "connector": .string(connector.rawValue), "resource": .string(resource.slug.rawValue),
                "arguments_digest": .string(digest), "rule": decision.rule.map(JSONValue.string) ?? .null,
            ])
        let notice: JSONValue = ["event": "approval.requested", "approval": representation(approval, at: now)]
        try await store.insertApproval(approval, notify: policy.approvals.notify, notice: notice, audit: audit)
        deliveries?.fire()
        throw required(approval, decision: decision)
    }

    /// Spends `approval` for its call, now about to run; if another call spent it first, this
    /// one needs an approval of its own (`approval_required`).
    func spend(
        _ approval: Approval, for request: InvokeRequest, connector: Slug, resource: Resource, decision: PolicyDecision, policy: Policy,
        redactedArguments: () -> JSONValue
    ) async throws {
        var candidate = approval
        while true {
            if try await store.spendApproval(id: candidate.id, now: Timestamp.now()) { return }
            candidate = try await approved(
                request, connector: connector, resource: resource, decision: decision, policy: policy, redactedArguments: redactedArguments)
        }
    }

    private func required(_ approval: Approval, decision: PolicyDecision) -> JunctionError {
        var details: [String: JSONValue] = [
            "approval_id": .string(approval.id), "expires_at": .string(Timestamp.format(approval.expiresAt)),
            "rule": decision.rule.map(JSONValue.string) ?? .null,
        ]
        if let publicURL { details["url"] = .string(Self.link(approval.id, base: publicURL)) }
        return JunctionError(
            .approvalRequired,
            "\(decision.reason) Approval \(approval.id) is pending until \(Timestamp.format(approval.expiresAt)); make the same call again once it is approved.",
            retryable: true, details: .object(details))
    }

    /// Approvals matching `query`, newest first.
    public func list(_ query: ApprovalQuery) async throws -> [Approval] {
        try await store.approvals(query, now: Timestamp.now())
    }

    /// One approval of the tenant (any tenant's when `nil`).
    public func approval(tenantID: String?, id: String) async throws -> Approval {
        guard let approval = try await store.approval(tenantID: tenantID, id: id) else {
            throw JunctionError.notFound("No approval '\(id.prefix(64))'.")
        }
        return approval
    }

    /// Approves or denies a pending approval, with an optional reason; wakes runs waiting for it.
    public func decide(tenantID: String, id: String, approve: Bool, reason: String?, by actor: AuditActor) async throws -> Approval {
        if let reason, reason.count > 1000 {
            throw JunctionError.invalidInput("Must be at most 1000 characters.", field: "reason")
        }
        let audit = actor.event(
            approve ? "approval.approve" : "approval.deny", tenantID: tenantID, targetType: "approval", target: id,
            details: reason.map { ["reason": .string($0)] })
        let decided = try await store.decideApproval(
            tenantID: tenantID, id: id, approve: approve, by: actor.keyID, reason: reason, now: Timestamp.now(), audit: audit)
        decisions.fire()
        return decided
    }

    /// The API's representation of `approval` at `now`, with its link when the public URL is known
    /// (or `base` is given).
    public func representation(_ approval: Approval, at now: Date = Timestamp.now(), base: String? = nil) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(approval.id), "tenant_id": .string(approval.tenantID), "connector": .string(approval.connector.rawValue),
            "resource": .string(approval.resource.rawValue), "kind": .string(approval.kind.rawValue), "actor": .string(approval.actor),
            "arguments_digest": .string(approval.argumentsDigest), "arguments": approval.arguments,
            "credential": approval.credential.map { .string($0.rawValue) } ?? .null,
            "rule": approval.rule.map(JSONValue.string) ?? .null, "run_id": approval.runID.map(JSONValue.string) ?? .null,
            "request_id": approval.requestID.map(JSONValue.string) ?? .null,
            "status": .string(approval.effectiveStatus(at: now).rawValue),
            "created_at": .string(Timestamp.format(approval.createdAt)), "expires_at": .string(Timestamp.format(approval.expiresAt)),
            "decided_at": approval.decidedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "decided_by": approval.decidedBy.map(JSONValue.string) ?? .null,
            "reason": approval.decisionReason.map(JSONValue.string) ?? .null,
            "used_at": approval.usedAt.map { .string(Timestamp.format($0)) } ?? .null,
        ]
        let base = base ?? publicURL
        members["url"] = base.map { .string(Self.link(approval.id, base: $0)) } ?? .null
        return .object(members)
    }
}
