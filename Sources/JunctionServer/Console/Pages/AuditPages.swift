import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime

/// `/console/audit`: the audit log with filters and paging, its hash chain verified, and its
/// export as JSON Lines.
struct AuditPages: Sendable {
    let api: ConsoleAPI

    static let filters = ["action", "actor", "connector", "outcome", "since", "until"]

    func register(on routes: ConsoleRoutes) {
        routes.get("console/audit", section: .audit, list)
        routes.get("console/audit/export", section: .audit, export)
    }

    private func given(_ caller: ConsoleCaller) -> [(String, String)] {
        let query = caller.request.uri.queryParameters
        return Self.filters.compactMap { name in query[name[...]].map(String.init).flatMap { $0.isEmpty ? nil : (name, $0) } }
    }

    @Sendable func list(_ caller: ConsoleCaller) async throws -> Response {
        let query = caller.request.uri.queryParameters
        let filters = given(caller)
        let before = query["before"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let page = try await api.get("/api/v1/audit", query: filters + (before.map { [("before", $0)] } ?? []) + [("limit", "100")], as: caller)
        let verification: HTML
        if query["verify"] == "1" {
            let verified = try await api.get("/api/v1/audit/verify", as: caller)
            let valid = verified["valid"]?.boolValue == true
            let problem = verified["problem"]
            verification = valid
                ? "<div class=\"notice\" role=\"status\"><strong>The audit chain is intact</strong>: \(verified["events"]?.intValue ?? 0) events, head <code>\(verified["head"]?.stringValue?.prefix(16) ?? "")…</code>\(HTML.when((verified["unchained"]?.intValue ?? 0) > 0, "; \(verified["unchained"]?.intValue ?? 0) older events predate the chain"))</div>"
                : "<div class=\"problem\" role=\"alert\"><strong>The audit chain is broken</strong>: \(problem?["message"]?.stringValue ?? problem?.jsonText ?? "")</div>"
        } else {
            verification = .empty
        }
        let rows = (page["events"]?.arrayValue ?? []).map { event -> [HTML] in
            [
                "\(event["sequence"]?.intValue ?? 0)", ConsoleUI.time(event["at"]?.stringValue), "<code>\(event["action"]?.stringValue ?? "")</code>",
                "\(event["target_type"]?.stringValue ?? "") \(event["target"]?.stringValue ?? "")", ConsoleUI.badge(event["outcome"]?.stringValue),
                "<code class=\"small\">\(event["actor"]?.stringValue ?? "")</code>",
                event["details"].nonNull.map { "<details><summary>details</summary><pre><code>\($0.prettyText)</code></pre></details>" } ?? .empty,
            ]
        }
        let value = { (name: String) in filters.first { $0.0 == name }?.1 }
        let pairs: [(String, String?)] = filters.map { ($0.0, $0.1) }
        return ConsolePage.make("Audit log", section: .audit, caller: caller, """
            <div class="heading"><h1>Audit log</h1>
            <a class="button" href="\(ConsoleUI.link("/console/audit", pairs + [("verify", "1")]))">Verify the chain</a>
            <a class="button" href="\(ConsoleUI.link("/console/audit/export", pairs))">Export (JSON Lines)</a></div>
            \(verification)
            <form method="get" action="/console/audit" class="inline" role="search">
              <label>Action<input type="text" name="action" placeholder="connector.invoke" value="\(value("action"))"></label>
              <label>Actor<input type="text" name="actor" placeholder="key_…" value="\(value("actor"))"></label>
              <label>Connector<input type="text" name="connector" value="\(value("connector"))"></label>
              <label>Outcome<input type="text" name="outcome" placeholder="ok" value="\(value("outcome"))"></label>
              <label>Since<input type="text" name="since" placeholder="2026-12-01T00:00:00Z" value="\(value("since"))"></label>
              <label>Until<input type="text" name="until" value="\(value("until"))"></label>
              <button type="submit">Filter</button>
            </form>
            \(ConsoleUI.table(["#", "At", "Action", "Target", "Outcome", "Actor", ""], rows, empty: "No events match.", numeric: [0]))
            \(ConsoleUI.nextPage("/console/audit", pairs, parameter: "before", value: page["next_before"]?.intValue.map(String.init)))
            """)
    }

    /// The API's export passed through as it streams, as a download.
    @Sendable func export(_ caller: ConsoleCaller) async throws -> Response {
        var response = try await api.forward(.get, "/api/v1/audit/export", query: given(caller), as: caller)
        guard response.status == .ok else { throw ConsoleAPI.Problem(try await ConsoleAPI.answer(from: response)) }
        response.headers[.contentDisposition] = "attachment; filename=\"junction-audit.jsonl\""
        return response
    }
}
