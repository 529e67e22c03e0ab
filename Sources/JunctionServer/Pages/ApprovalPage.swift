import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime

/// `GET|POST /approvals/{id}`: the page an approval's link opens. It shows the call held for
/// approval (connector, resource, who, the arguments as redacted for the audit log, until
/// when) and takes a decision with a reason and an API key of the call's tenant (or a platform
/// key where it may act on tenants). The page itself needs no key: its id is unguessable, and
/// nothing is decided without one.
struct ApprovalPage: Sendable {
    let approvals: ApprovalService
    let keys: APIKeys
    let mode: ServerMode
    let body: JSONBodyReader

    func register(on router: Router<JunctionRequestContext>) {
        router.get("approvals/{id}", use: show)
        router.post("approvals/{id}", use: decide)
    }

    @Sendable func show(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        guard let approval = try await find(context) else { return Self.missing }
        return Self.page(approval, approvals: approvals)
    }

    @Sendable func decide(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        guard let approval = try await find(context) else { return Self.missing }
        let fields: FormFields
        do {
            fields = try FormFields(Substring(String(buffer: try await body.bytes(request))))
        } catch let error as OAuthError {
            return Self.page(approval, approvals: approvals, problem: error.description, status: .badRequest)
        }
        guard let decision = fields["decision"], ["approve", "deny"].contains(decision) else {
            return Self.page(approval, approvals: approvals, problem: "Choose Approve or Deny.", status: .badRequest)
        }
        guard let key = fields["api_key"], let principal = try await keys.authenticate(Substring(key)),
              principal.scope == .tenant(approval.tenantID) || (principal.isPlatform && mode == .invpc), principal.role == .admin
        else {
            return Self.page(
                approval, approvals: approvals, problem: "That key cannot decide approvals of this tenant (an admin key of the tenant can).",
                status: .forbidden)
        }
        let actor = AuditActor(keyID: principal.keyID, scope: principal.isPlatform ? .platform : .tenant, requestID: context.requestID)
        do {
            let decided = try await approvals.decide(
                tenantID: approval.tenantID, id: approval.id, approve: decision == "approve", reason: fields["reason"], by: actor)
            return Self.page(decided, approvals: approvals)
        } catch let error as JunctionError where error.code == .conflict || error.code == .invalidInput {
            return Self.page(approval, approvals: approvals, problem: error.message, status: error.code.httpStatus)
        }
    }

    private func find(_ context: JunctionRequestContext) async throws -> Approval? {
        let id = try context.parameters.require("id")
        guard id.hasPrefix("apr_"), id.count < 80 else { return nil }
        do {
            return try await approvals.approval(tenantID: nil, id: id)
        } catch let error as JunctionError where error.code == .notFound {
            return nil
        }
    }

    private static var missing: Response {
        HTMLPage.make(title: "Approval", body: "<h1>No such approval</h1>\n<p>The link is wrong, or the approval was removed with its tenant.</p>", status: .notFound)
    }

    private static func page(
        _ approval: Approval, approvals: ApprovalService, problem: String? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        let now = Timestamp.now()
        let state = approval.effectiveStatus(at: now)
        let e = { (text: String) in text.markupEscaped }
        var rows = [
            ("Connector", approval.connector.rawValue), ("Action", "\(approval.resource.rawValue) (\(approval.kind.rawValue))"),
            ("Called by", approval.actor), ("Requested", Timestamp.format(approval.createdAt)),
            ("Expires", Timestamp.format(approval.expiresAt)), ("Status", state.rawValue),
        ]
        if let rule = approval.rule { rows.append(("Policy rule", rule)) }
        if let credential = approval.credential { rows.append(("With credential", credential.rawValue)) }
        if let runID = approval.runID { rows.append(("Run", runID)) }
        if let by = approval.decidedBy { rows.append(("Decided by", by + (approval.decisionReason.map { ": \($0)" } ?? ""))) }
        let list = rows.map { "<dt>\(e($0.0))</dt><dd>\(e($0.1))</dd>" }.joined(separator: "\n  ")
        let alert = problem.map { #"<p class="problem" role="alert">\#(e($0))</p>"# } ?? ""
        let form = state != .pending ? "" : """
            <form method="post" action="/approvals/\(e(approval.id))">
              <label for="reason">Reason (recorded in the audit log)</label>
              <textarea id="reason" name="reason" rows="2" maxlength="1000"></textarea>
              <label for="api_key">An admin API key of this tenant</label>
              <input id="api_key" name="api_key" type="password" autocomplete="off" required>
              <div class="actions">
                <button type="submit" name="decision" value="approve">Approve</button>
                <button type="submit" name="decision" value="deny">Deny</button>
              </div>
            </form>
            <p class="note">Approving lets exactly this call, with these arguments, options and caller, through once before it expires.</p>
            """
        let body = """
            <h1>\(state == .pending ? "Approve this call?" : "Approval \(e(state.rawValue))")</h1>
            <dl>
              \(list)
            </dl>
            <h2>Arguments</h2>
            <pre>\(e(approval.arguments.prettyText))</pre>
            \(alert)
            \(form)
            """
        return HTMLPage.make(title: "Approval \(approval.id)", body: body, status: status)
    }
}
