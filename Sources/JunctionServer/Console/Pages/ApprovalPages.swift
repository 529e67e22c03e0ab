import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime

/// `/console/approvals`: the inbox of calls held for approval, each with its arguments (as
/// redacted for the audit log), and approve or deny with a reason.
struct ApprovalPages: Sendable {
    let api: ConsoleAPI

    static let statuses = ["pending", "approved", "denied", "used", "expired"]

    func register(on routes: ConsoleRoutes) {
        routes.get("console/approvals", section: .approvals, list)
        routes.get("console/approvals/{id}", section: .approvals) { caller in try await show(caller) }
        routes.post("console/approvals/{id}/decide", section: .approvals, decide)
    }

    @Sendable func list(_ caller: ConsoleCaller) async throws -> Response {
        let status = caller.request.uri.queryParameters["status"].map(String.init) ?? "pending"
        let approvals = try await api.get("/api/v1/approvals", query: status.isEmpty ? [] : [("status", status)], as: caller)["approvals"]?.arrayValue ?? []
        let rows = approvals.map { approval -> [HTML] in
            let id = approval["id"]?.stringValue ?? ""
            return [
                "<a href=\"/console/approvals/\(id)\"><code>\(id)</code></a>",
                "<code>\(approval["connector"]?.stringValue ?? "")__\(approval["resource"]?.stringValue ?? "")</code>",
                "\(approval["actor"]?.stringValue ?? "")", ConsoleUI.badge(approval["status"]?.stringValue),
                ConsoleUI.time(approval["created_at"]?.stringValue), ConsoleUI.time(approval["expires_at"]?.stringValue),
            ]
        }
        let tabs = (["pending", "approved", "denied", "used", "expired", ""]).map { value -> HTML in
            let current: HTML = value == status ? " aria-current=\"page\"" : .empty
            return "<a href=\"/console/approvals?status=\(value)\"\(current)>\(value.isEmpty ? "all" : value)</a>"
        }
        return ConsolePage.make("Approvals", section: .approvals, caller: caller, """
            <h1>Approvals</h1>
            <p class="muted">Calls the policy holds for a person's decision. Each approval is for that exact call, once.</p>
            <nav class="pager" aria-label="Approval status">\(tabs)</nav>
            \(ConsoleUI.table(["Approval", "Call", "Asked by", "Status", "Asked", "Expires"], rows, empty: status == "pending" ? "Nothing waits for a decision." : "No approvals."))
            """)
    }

    func show(_ caller: ConsoleCaller, problem: ConsoleAPI.Problem? = nil) async throws -> Response {
        let id = try caller.context.parameters.require("id")
        let approval = try await api.get("/api/v1/approvals/\(ConsoleAPI.segment(id))", as: caller)
        let status = approval["status"]?.stringValue ?? ""
        let decision: HTML = status == "pending" && caller.may(.admin) ? ConsolePage.form("/console/approvals/\(id)/decide", caller: caller, class: "stack", """
            \(ConsoleUI.field("Reason", for: "reason", hint: "Recorded in the audit log; a denial tells the caller.",
                "<input type=\"text\" id=\"reason\" name=\"reason\" maxlength=\"1000\">"))
            <div class="actions"><button type="submit" name="decision" value="approve" class="primary">Approve</button>
            <button type="submit" name="decision" value="deny" class="danger">Deny</button></div>
            """) : status == "pending" ? "<p class=\"muted\">An admin key decides approvals.</p>" : .empty
        let run: HTML = approval["run_id"]?.stringValue.map { "<a href=\"/console/runs/\($0)\"><code>\($0)</code></a>" } ?? "—"
        return ConsolePage.make("Approval \(id)", section: .approvals, caller: caller, status: problem?.status ?? .ok, """
            <div class="heading"><h1>Approval <code>\(id)</code></h1>\(ConsoleUI.badge(status))</div>
            \(ConsoleUI.problem(problem))
            \(ConsoleUI.facts([
                ("Call", "<code>\(approval["connector"]?.stringValue ?? "")__\(approval["resource"]?.stringValue ?? "")</code> (\(approval["kind"]?.stringValue ?? ""))"),
                ("Asked by", "\(approval["actor"]?.stringValue ?? "")"),
                ("Run", run),
                ("Rule", "\(approval["rule"]?.stringValue ?? "—")"),
                ("Credential", "\(approval["credential"]?.stringValue ?? "—")"),
                ("Asked", ConsoleUI.time(approval["created_at"]?.stringValue)),
                ("Expires", ConsoleUI.time(approval["expires_at"]?.stringValue)),
                ("Decided", approval["decided_at"]?.stringValue == nil ? "—" : "\(ConsoleUI.time(approval["decided_at"]?.stringValue)) by \(approval["decided_by"]?.stringValue ?? "")"),
                ("Reason", "\(approval["reason"]?.stringValue ?? "—")"),
                ("Arguments digest", "<code>\(approval["arguments_digest"]?.stringValue ?? "")</code>"),
            ]))
            <h2>Arguments</h2>
            \(ConsoleUI.json(approval["arguments"]))
            \(decision)
            """)
    }

    @Sendable func decide(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let id = try caller.context.parameters.require("id")
        guard let decision = form["decision"], decision == "approve" || decision == "deny" else {
            return try await show(caller, problem: ConsoleAPI.Problem(status: .badRequest, code: "invalid_input", message: "Choose Approve or Deny.", field: "decision"))
        }
        var body: [String: JSONValue] = [:]
        if let reason = form.trimmed("reason") { body["reason"] = .string(reason) }
        let answer = try await api.send(
            .post, "/api/v1/approvals/\(ConsoleAPI.segment(id))/\(decision)", body: .init(bytes: JSONValue.object(body).jsonBytes),
            contentType: "application/json", as: caller)
        guard answer.succeeded else {
            let problem = ConsoleAPI.Problem(answer)
            guard problem.status == .conflict || problem.status == .badRequest else { throw problem }
            return try await show(caller, problem: problem)
        }
        return ConsolePage.redirect("/console/approvals/\(id)")
    }
}
