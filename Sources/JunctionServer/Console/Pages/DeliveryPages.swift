import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime

/// `/console/deliveries`: results sent to outbound connectors, dead letters, and redrive.
struct DeliveryPages: Sendable {
    let api: ConsoleAPI

    func register(on routes: ConsoleRoutes) {
        routes.get("console/deliveries", section: .deliveries) { caller in try await list(caller) }
        routes.post("console/deliveries/{id}/redrive", section: .deliveries, redrive)
    }

    func list(_ caller: ConsoleCaller, notice: String? = nil) async throws -> Response {
        let query = caller.request.uri.queryParameters
        let status = query["status"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let connector = query["connector"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let given = [("status", status), ("connector", connector)].compactMap { name, value in value.map { (name, $0) } }
        let deliveries = try await api.get("/api/v1/deliveries", query: given, as: caller)["deliveries"]?.arrayValue ?? []
        let rows = deliveries.map { delivery -> [HTML] in
            let id = delivery["id"]?.stringValue ?? ""
            let redrive: HTML = delivery["status"]?.stringValue == "dead"
                ? ConsolePage.form("/console/deliveries/\(id)/redrive", caller: caller, "<button type=\"submit\">Redrive</button>") : .empty
            return [
                "<code>\(id)</code>", "<a href=\"/console/connectors/\(delivery["connector"]?.stringValue ?? "")\">\(delivery["connector"]?.stringValue ?? "")</a>",
                "<a href=\"/console/runs/\(delivery["run_id"]?.stringValue ?? "")\"><code>\(delivery["run_id"]?.stringValue ?? "")</code></a>",
                ConsoleUI.badge(delivery["status"]?.stringValue), "\(delivery["attempts"]?.intValue ?? 0)",
                "\(delivery["last_error"]?.stringValue ?? "")",
                delivery["delivered_at"]?.stringValue != nil ? ConsoleUI.time(delivery["delivered_at"]?.stringValue) : ConsoleUI.time(delivery["next_attempt_at"]?.stringValue),
                redrive,
            ]
        }
        return ConsolePage.make("Deliveries", section: .deliveries, caller: caller, """
            <h1>Deliveries</h1>
            \(ConsoleUI.notice(notice))
            <p class="muted">Results of runs sent to outbound connectors, signed and retried with backoff; a delivery whose attempts
            are spent is dead until redriven.</p>
            <form method="get" action="/console/deliveries" class="inline" role="search">
              <label>Status<select name="status">\(ConsoleUI.options(["pending", "delivered", "dead"], selected: status, blank: "Any"))</select></label>
              <label>Connector<input type="text" name="connector" value="\(connector)"></label>
              <button type="submit">Filter</button>
            </form>
            \(ConsoleUI.table(["Delivery", "Connector", "Run", "Status", "Attempts", "Last error", "Delivered / next try", ""], rows,
                empty: status == "dead" ? "No dead letters." : "No deliveries match.", numeric: [4]))
            """)
    }

    @Sendable func redrive(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let id = try caller.context.parameters.require("id")
        try await api.json(.post, "/api/v1/deliveries/\(ConsoleAPI.segment(id))/redrive", as: caller)
        return try await list(caller, notice: "Delivery \(id) queued again with fresh attempts.")
    }
}
