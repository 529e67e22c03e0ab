import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage

/// `/api/v1/approvals`: calls a policy holds for a person, and their decisions.
struct ApprovalController: Sendable {
    let approvals: ApprovalService
    let scope: TenantScope
    let body: JSONBodyReader
    let publicURL: String?

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("approvals", use: list)
        group.get("approvals/{id}", use: show)
        group.post("approvals/{id}/approve", use: approve)
        group.post("approvals/{id}/deny", use: deny)
    }

    /// Newest first; `?status=` (comma separated: pending, approved, denied, used, expired), `?run_id=`, `?limit=`.
    @Sendable func list(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forReading(try context.requirePrincipal(), requested: request.tenantParameter)
        let parameters = request.uri.queryParameters
        var query = ApprovalQuery(tenantID: tenantID)
        query.statuses = try ListParameters.statuses(parameters["status"])
        query.runID = parameters["run_id"].map(String.init)
        query.limit = try ListParameters.limit(parameters["limit"], default: query.limit)
        let base = PublicURL.base(of: request, configured: publicURL)
        let found = try await approvals.list(query)
        return JSONResponse.make(JSONValue.object(["approvals": .array(found.map { approvals.representation($0, base: base) })]))
    }

    @Sendable func show(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await scope.forReading(try context.requirePrincipal(), requested: request.tenantParameter)
        let approval = try await approvals.approval(tenantID: tenantID, id: try context.parameters.require("id"))
        return JSONResponse.make(approvals.representation(approval, base: PublicURL.base(of: request, configured: publicURL)))
    }

    @Sendable func approve(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        try await decide(request, context, approve: true)
    }

    @Sendable func deny(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        try await decide(request, context, approve: false)
    }

    /// Body (optional): `{"reason": "…"}`.
    private func decide(_ request: Request, _ context: JunctionRequestContext, approve: Bool) async throws -> Response {
        let tenantID = try await scope.forWriting(try context.requirePrincipal(), requested: request.tenantParameter)
        var reader = try FieldReader(try await body.read(request, allowEmpty: true))
        let reason = try reader.string("reason", maxLength: 1000)
        try reader.finish()
        let decided = try await approvals.decide(
            tenantID: tenantID, id: try context.parameters.require("id"), approve: approve, reason: reason, by: try context.actor())
        return JSONResponse.make(approvals.representation(decided, base: PublicURL.base(of: request, configured: publicURL)))
    }
}
