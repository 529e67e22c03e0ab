import JunctionCore

/// The governance steps of the invoke path, in order: the tenant's policy decides (allow,
/// deny, require approval), an approval for exactly this call is spent, and the rate limits
/// and concurrency caps admit the call.
public struct Governance: Sendable {
    public let policies: PolicyService
    public let approvals: ApprovalService
    public let limiter: RateLimiter

    public init(policies: PolicyService, approvals: ApprovalService, limiter: RateLimiter) {
        self.policies = policies
        self.approvals = approvals
        self.limiter = limiter
    }

    /// What governance let through: the deciding rule and, for a call that needed approval,
    /// the approval to spend once it is about to run.
    struct Clearance {
        var decision: PolicyDecision
        var approval: Approval?
    }

    /// Decides `request` to `resource` of `connector`: throws `policy_denied` or
    /// `approval_required`, or answers the clearance. A mock call (it reaches nothing) needs no approval.
    func clear(
        _ request: InvokeRequest, policy: Policy, connector: Slug, resource: PreparedConnector.PreparedResource, isStructured: Bool,
        redactedArguments: () -> JSONValue
    ) async throws -> Clearance {
        let decision = policy.decide(PolicyCall(
            connector: connector.rawValue, resource: resource.resource.slug.rawValue, kind: resource.resource.kind,
            actor: request.actor.keyID, client: request.actor.client, data: request.data, isStructured: isStructured))
        var clearance = Clearance(decision: decision)
        switch decision.effect {
        case .allow:
            break
        case .deny:
            throw JunctionError(.policyDenied, decision.reason, details: ["rule": decision.rule.map(JSONValue.string) ?? .null])
        case .requireApproval:
            guard !request.options.mock else { break }
            clearance.approval = try await approvals.approved(
                request, connector: connector, resource: resource.resource, decision: decision, policy: policy,
                redactedArguments: redactedArguments)
        }
        return clearance
    }

    /// Spends the clearance's approval, if it has one: the call is about to run (admitted by
    /// the rate limits, its credential allowed), so a refusal before it does not use a person's approval up.
    func spend(
        _ clearance: Clearance, for request: InvokeRequest, policy: Policy, connector: Slug, resource: Resource,
        redactedArguments: () -> JSONValue
    ) async throws {
        guard let approval = clearance.approval else { return }
        try await approvals.spend(
            approval, for: request, connector: connector, resource: resource, decision: clearance.decision, policy: policy,
            redactedArguments: redactedArguments)
    }
}
