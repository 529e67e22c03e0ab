import HTTPTypes
import Foundation
import Hummingbird
import JunctionCore
import JunctionRuntime

/// `/console`: the tenant at a glance (connectors and their health, agents, runs, waiting
/// approvals, dead deliveries) and calls, errors and latency from `/metrics`.
struct OverviewPage: Sendable {
    let api: ConsoleAPI

    func register(on routes: ConsoleRoutes) {
        routes.get("console", section: .overview, show)
    }

    @Sendable func show(_ caller: ConsoleCaller) async throws -> Response {
        guard caller.may(.operator) else { return ConsolePage.redirect(ConsoleSection.tools.path) }
        guard caller.tenantID != nil else {
            return ConsolePage.make("Overview", section: .overview, caller: caller, """
                <h1>Overview</h1>
                <p>You are signed in with the platform key. Choose a tenant above to see its connectors, agents and runs,
                or manage <a href="/console/tenants">tenants and keys</a>.</p>
                \(try await calls(caller))
                """)
        }
        async let connectors = api.get("/api/v1/connectors", as: caller)
        async let agents = api.get("/api/v1/agents", as: caller)
        async let runs = api.get("/api/v1/runs", query: [("limit", "100")], as: caller)
        async let approvals = api.get("/api/v1/approvals", query: [("status", "pending")], as: caller)
        async let dead = api.get("/api/v1/deliveries", query: [("status", "dead")], as: caller)
        let connectorList = try await connectors["connectors"]?.arrayValue ?? []
        let unhealthy = connectorList.filter { $0["health_status"]?.stringValue == "unhealthy" }
        let runList = try await runs["runs"]?.arrayValue ?? []
        let failed = runList.filter { $0["status"]?.stringValue == "failed" }.count
        let active = runList.filter { ["queued", "running", "waiting_approval"].contains($0["status"]?.stringValue ?? "") }.count
        let pending = try await approvals["approvals"]?.arrayValue?.count ?? 0
        let deadCount = try await dead["deliveries"]?.arrayValue?.count ?? 0
        let cards: [HTML] = [
            card("\(connectorList.count)", "connectors", link: "/console/connectors", note: unhealthy.isEmpty ? nil : "\(unhealthy.count) unhealthy"),
            card("\(try await agents["agents"]?.arrayValue?.count ?? 0)", "agents", link: "/console/agents"),
            card("\(active)", "runs queued or running", link: "/console/runs"),
            card("\(failed)", "failed of the last \(runList.count) runs", link: "/console/runs?status=failed"),
            card("\(pending)", "approvals waiting", link: "/console/approvals"),
            card("\(deadCount)", "dead deliveries", link: "/console/deliveries?status=dead"),
        ]
        let unhealthyList: HTML = unhealthy.isEmpty ? .empty : """
            <h2>Unhealthy connectors</h2>
            \(ConsoleUI.table(["Connector", "Last error", "Checked"], unhealthy.map { connector in
                let name = connector["connector_name"]?.stringValue ?? ""
                return ["<a href=\"/console/connectors/\(name)\">\(name)</a>", "\(connector["last_error"]?.stringValue)",
                        ConsoleUI.time(connector["last_health_check"]?.stringValue)]
            }, empty: ""))
            """
        return ConsolePage.make("Overview", section: .overview, caller: caller, """
            <h1>Overview of \(caller.tenantName ?? "this tenant")</h1>
            <div class="cards">\(cards)</div>
            \(unhealthyList)
            \(try await calls(caller))
            """)
    }

    private func card(_ figure: String, _ label: String, link: String, note: String? = nil) -> HTML {
        let noteHTML: HTML = note.map { "<div class=\"small\"><span class=\"badge bad\">\($0)</span></div>" } ?? .empty
        return "<a class=\"card\" href=\"\(link)\"><div class=\"figure\">\(figure)</div><div class=\"label\">\(label)</div>\(noteHTML)</a>"
    }

    /// Calls, errors and latency by connector type since the server started, from `/metrics`
    /// (which, public, names no tenant or connector).
    private func calls(_ caller: ConsoleCaller) async throws -> HTML {
        let answer = try await api.send(.get, "/metrics", inTenant: false, as: caller)
        let metrics = PrometheusText(String(buffer: answer.body))
        let byType = CallFigures.byLabel("connector_type", in: metrics, calls: "junction_invoke_total", duration: "junction_invoke_duration_seconds")
        return """
            <h2>Calls by connector type</h2>
            <p class="muted small">Every tenant's calls through this server since it started, from <a href="/metrics">/metrics</a>.</p>
            \(Self.table(byType, label: "Connector type"))
            """
    }

    /// `figures` as a table of calls, errors, error rate and latency, busiest first.
    static func table(_ figures: [String: CallFigures], label: String) -> HTML {
        let rows = figures.sorted { $0.value.calls > $1.value.calls }.filter { $0.value.calls > 0 }.map { key, figure -> [HTML] in
            let rate = figure.calls > 0 ? figure.errors / figure.calls * 100 : 0
            let name: HTML = "\(key)"
            return [
                name, "\(Int(figure.calls))", "\(Int(figure.errors))", HTML(trusted: String(format: "%.1f %%", rate)),
                figure.meanMilliseconds.map { HTML(trusted: String(format: "%.1f ms", $0)) } ?? "—",
                figure.percentileMilliseconds(0.95).map { HTML(trusted: "≤ " + String(format: "%g ms", $0)) } ?? "—",
            ]
        }
        return ConsoleUI.table(
            [label, "Calls", "Errors", "Error rate", "Mean latency", "p95"], rows, empty: "No calls yet.", numeric: [1, 2, 3, 4, 5])
    }
}
