import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime

/// `/console/runs`: runs with filters, and each run's status, input, output, error and trace of
/// model and tool calls with their durations and token usage (refreshing while it works).
struct RunPages: Sendable {
    let api: ConsoleAPI

    static let statuses = Run.Status.allCases.map(\.rawValue)

    func register(on routes: ConsoleRoutes) {
        routes.get("console/runs", section: .runs, list)
        routes.get("console/runs/{id}", section: .runs, show)
    }

    @Sendable func list(_ caller: ConsoleCaller) async throws -> Response {
        let query = caller.request.uri.queryParameters
        let value = { (name: String) in query[name[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        let filters: [(String, String?)] = ["agent", "status", "connector", "since", "until", "after"].map { ($0, value($0)) }
        let given = filters.compactMap { name, value in value.map { (name, $0) } }
        let runs = try await api.get("/api/v1/runs", query: given + [("limit", "50")], as: caller)["runs"]?.arrayValue ?? []
        let rows = runs.map { run -> [HTML] in
            let id = run["id"]?.stringValue ?? ""
            let tokens = (run["usage"]?["input_tokens"]?.intValue ?? 0) + (run["usage"]?["output_tokens"]?.intValue ?? 0)
            let trigger = run["trigger"]?["connector"]?.stringValue.map { "\(run["trigger"]?["kind"]?.stringValue ?? "") · \($0)" }
                ?? run["trigger"]?["kind"]?.stringValue
            return [
                "<a href=\"/console/runs/\(id)\"><code>\(id)</code></a>", "<a href=\"/console/agents/\(run["agent_name"]?.stringValue ?? "")\">\(run["agent_name"]?.stringValue ?? "")</a>",
                ConsoleUI.badge(run["status"]?.stringValue), "\(trigger)", "\(tokens)",
                ConsoleUI.time(run["created_at"]?.stringValue), Self.elapsed(run),
            ]
        }
        let active = runs.contains { ["queued", "running"].contains($0["status"]?.stringValue ?? "") }
        let older: HTML = runs.count == 50
            ? ConsoleUI.nextPage("/console/runs", filters, parameter: "after", value: runs.last?["id"]?.stringValue) : .empty
        return ConsolePage.make("Runs", section: .runs, caller: caller, refreshSeconds: active ? 3 : nil, """
            <h1>Runs</h1>
            <form method="get" action="/console/runs" class="inline" role="search">
              <label>Agent<input type="text" name="agent" value="\(value("agent"))"></label>
              <label>Status<select name="status">\(ConsoleUI.options(Self.statuses, selected: value("status"), blank: "Any"))</select></label>
              <label>Connector<input type="text" name="connector" value="\(value("connector"))"></label>
              <label>Since<input type="text" name="since" placeholder="2026-12-01T00:00:00Z" value="\(value("since"))"></label>
              <label>Until<input type="text" name="until" placeholder="2026-12-02T00:00:00Z" value="\(value("until"))"></label>
              <button type="submit">Filter</button>
            </form>
            \(ConsoleUI.table(["Run", "Agent", "Status", "Trigger", "Tokens", "Created", "Took"], rows, empty: "No runs match.", numeric: [4]))
            \(older)
            """)
    }

    /// How long a finished run took.
    private static func elapsed(_ run: JSONValue) -> HTML {
        guard let started = run["started_at"]?.stringValue.flatMap(Timestamp.parse),
              let finished = run["finished_at"]?.stringValue.flatMap(Timestamp.parse)
        else { return "—" }
        return ConsoleUI.duration(Int(finished.timeIntervalSince(started) * 1000))
    }

    @Sendable func show(_ caller: ConsoleCaller) async throws -> Response {
        let id = try caller.context.parameters.require("id")
        let run = try await api.get("/api/v1/runs/\(ConsoleAPI.segment(id))", as: caller)
        let status = run["status"]?.stringValue ?? ""
        let trace = run["trace"]?.arrayValue ?? []
        let longest = max(1, trace.compactMap { $0["duration_ms"]?.intValue }.max() ?? 1)
        let steps = trace.map { entry -> HTML in Self.traceEntry(entry, longest: longest) }
        let error: HTML = run["error"].nonNull.map { error in
            "<div class=\"problem\" role=\"alert\"><strong>\(error["message"]?.stringValue ?? "")</strong> <span class=\"code small\">\(error["code"]?.stringValue ?? "")</span></div>"
        } ?? .empty
        let approval: HTML = run["approval_id"]?.stringValue.map { approvalID in
            "<div class=\"warning\">Waiting for approval <a href=\"/console/approvals/\(approvalID)\"><code>\(approvalID)</code></a>: the run goes on once it is decided.</div>"
        } ?? .empty
        let agent = run["agent_name"]?.stringValue ?? ""
        return ConsolePage.make("Run \(id)", section: .runs, caller: caller, refreshSeconds: ["queued", "running"].contains(status) ? 2 : nil, """
            <div class="heading"><h1>Run <code>\(id)</code></h1>\(ConsoleUI.badge(status))</div>
            \(error)
            \(approval)
            \(ConsoleUI.facts([
                ("Agent", "<a href=\"/console/agents/\(agent)\">\(agent)</a>"),
                ("Trigger", "\(run["trigger"]?["kind"]?.stringValue ?? "")\(HTML.when(run["trigger"]?["connector"]?.stringValue != nil, " · \(run["trigger"]?["connector"]?.stringValue ?? "")"))"),
                ("Attempts", "\(run["attempts"]?.intValue ?? 0)"),
                ("Tokens", "\(run["usage"]?["input_tokens"]?.intValue ?? 0) in · \(run["usage"]?["output_tokens"]?.intValue ?? 0) out"),
                ("Created", ConsoleUI.time(run["created_at"]?.stringValue)),
                ("Started", ConsoleUI.time(run["started_at"]?.stringValue)),
                ("Finished", ConsoleUI.time(run["finished_at"]?.stringValue)),
                ("Took", Self.elapsed(run)),
            ]))
            <h2>Trace</h2>
            \(steps.isEmpty ? "<p class=\"muted\">Nothing has happened yet.</p>" : "<ol class=\"trace\">\(steps)</ol>" as HTML)
            <h2>Input</h2>
            \(ConsoleUI.json(run["input"]))
            <h2>Output</h2>
            \(ConsoleUI.json(run["output"]))
            """)
    }

    /// One trace entry: a model turn (tokens, the tools it asked for) or a tool call (outcome,
    /// error), with its duration as a bar against the longest.
    private static func traceEntry(_ entry: JSONValue, longest: Int) -> HTML {
        let duration = entry["duration_ms"]?.intValue
        let bar: HTML = duration.map { "<meter min=\"0\" max=\"\(longest)\" value=\"\($0)\" title=\"\($0) ms of the longest \(longest) ms\"></meter>" } ?? .empty
        let step = entry["step"].map { $0.stringValue ?? $0.jsonText } ?? ""
        switch entry["type"]?.stringValue {
        case "model":
            let calls = entry["tool_calls"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return """
                <li><div class="step"><strong>Model</strong> <span class="muted">step \(step) · \(entry["model"]?.stringValue ?? "")</span>
                <span>\(ConsoleUI.duration(duration))</span><span class="small">\(entry["input_tokens"]?.intValue ?? 0) in · \(entry["output_tokens"]?.intValue ?? 0) out tokens</span>\(bar)</div>
                <div class="small">\(calls.isEmpty ? "Answered." : "Asked for: \(calls.joined(separator: ", "))")</div></li>
                """
        case "tool":
            let name = entry["tool"]?.stringValue ?? "\(entry["connector"]?.stringValue ?? "")__\(entry["resource"]?.stringValue ?? "")"
            let ok = entry["success"]?.boolValue == true
            let waiting: HTML = entry["waiting_for"]?.stringValue.map { " · waiting for <a href=\"/console/approvals/\($0)\">\($0)</a>" } ?? .empty
            let error: HTML = entry["error"].map { "<pre><code>\($0.prettyText)</code></pre>" } ?? .empty
            return """
                <li><div class="step"><strong>Tool</strong> <code>\(name)</code> <span class="muted">step \(step)</span>
                \(ConsoleUI.badge(entry["waiting_for"] != nil ? "pending" : ok ? "ok" : "failed"))<span>\(ConsoleUI.duration(duration))</span>\(bar)</div>\(waiting)\(error)</li>
                """
        case "skip":
            return "<li><div class=\"step\"><strong>Skipped</strong> <span class=\"muted\">step \(step): its condition did not hold</span></div></li>"
        default:
            return "<li><pre><code>\(entry.prettyText)</code></pre></li>"
        }
    }
}
