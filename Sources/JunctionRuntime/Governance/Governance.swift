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

    /// What governance let through, for the audit event.
    struct Clearance {
        var decision: PolicyDecision
        var approvalID: String?
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
            clearance.approvalID = try await approvals.pass(
                request, connector: connector, resource: resource.resource, decision: decision, policy: policy,
                redactedArguments: redactedArguments)
        }
        return clearance
    }
}
