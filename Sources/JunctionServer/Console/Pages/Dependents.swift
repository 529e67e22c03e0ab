import HTTPTypes
import JunctionCore
import JunctionRuntime

/// What depends on a connector: the agents linked to it or naming it in their definitions
/// (workflow steps, llm tools), and the triggers that start those agents.
struct Dependents: Sendable {
    /// Agents and how each depends on the connector.
    var agents: [(name: String, how: String)] = []
    /// Trigger connectors (inbound webhooks, schedules) linked to those agents.
    var triggers: [(name: String, agent: String)] = []

    var isEmpty: Bool { agents.isEmpty }

    static func of(connector: String, api: ConsoleAPI, caller: ConsoleCaller) async throws -> Dependents {
        async let agentList = api.get("/api/v1/agents", as: caller)
        async let connectorList = api.get("/api/v1/connectors", as: caller)
        let triggerTypes = Set(["cron"])
        let triggerNames = Set(try await (connectorList["connectors"]?.arrayValue ?? []).compactMap { item -> String? in
            let type = item["connector_type"]?.stringValue ?? ""
            let mode = item["mode"]?.stringValue
            guard triggerTypes.contains(type) || mode == "inbound" || mode == "sync" else { return nil }
            return item["connector_name"]?.stringValue
        })
        var dependents = Dependents()
        for agent in try await agentList["agents"]?.arrayValue ?? [] {
            guard let name = agent["name"]?.stringValue else { continue }
            let links = agent["links"]?.arrayValue?.compactMap { $0["connector"]?.stringValue } ?? []
            var how: [String] = []
            if links.contains(connector) { how.append(triggerNames.contains(connector) ? "started by it" : "linked") }
            let definition = agent["definition"] ?? .null
            let steps = definition["steps"]?.arrayValue?.filter { $0["connector"]?.stringValue == connector }.count ?? 0
            if steps > 0 { how.append(steps == 1 ? "a workflow step calls it" : "\(steps) workflow steps call it") }
            let tools = definition["tools"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if tools.contains(where: { $0 == connector || $0.hasPrefix(connector + "__") }) { how.append("uses it as a tool") }
            guard !how.isEmpty else { continue }
            dependents.agents.append((name, how.joined(separator: ", ")))
            for trigger in links where trigger != connector && triggerNames.contains(trigger) {
                dependents.triggers.append((trigger, name))
            }
        }
        return dependents
    }

    var html: HTML {
        let agentItems = agents.map { agent -> HTML in "<li>agent <a href=\"/console/agents/\(agent.name)\">\(agent.name)</a> — \(agent.how)</li>" }
        let triggerItems = triggers.map { trigger -> HTML in
            "<li>trigger <a href=\"/console/connectors/\(trigger.name)\">\(trigger.name)</a> — starts \(trigger.agent)</li>"
        }
        return "<ul>\(agentItems)\(triggerItems)</ul>"
    }
}
