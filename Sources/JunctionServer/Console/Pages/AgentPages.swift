import Foundation
import HTTPTypes
import Hummingbird
import JunctionConnectors
import JunctionCore
import JunctionRuntime
import NIOCore

/// `/console/agents`: agents, their YAML definition in an editor (a refused definition marks
/// its line), the Connector Flow from the triggers through the agent to the outbound
/// connectors with link and unlink, and "run now".
struct AgentPages: Sendable {
    let api: ConsoleAPI

    /// The order an agent definition's keys are written in.
    static let keyOrder = [
        "version", "name", "type", "description", "model", "base_url", "credential", "system_prompt", "tools", "steps", "id",
        "connector", "resource", "when", "data", "output", "output_schema", "max_steps",
    ]

    static let starter = """
        version: "1.0"
        name: my-agent
        type: workflow
        description: What this agent does.
        steps:
          - id: first
            connector: my-connector
            resource: my-resource
            data:
              id: "{{input.id}}"
        """

    func register(on routes: ConsoleRoutes) {
        routes.get("console/agents", section: .agents, list)
        routes.get("console/agents/new", section: .agents) { caller in try await editor(caller, name: nil, text: Self.starter) }
        routes.post("console/agents/new", section: .agents) { caller, form in try await save(caller, form, name: nil) }
        routes.get("console/agents/{name}", section: .agents) { caller in try await show(caller) }
        routes.post("console/agents/{name}", section: .agents) { caller, form in
            try await save(caller, form, name: try caller.context.parameters.require("name"))
        }
        routes.post("console/agents/{name}/links", section: .agents, link)
        routes.post("console/agents/{name}/links/{connector}/delete", section: .agents, unlink)
        routes.post("console/agents/{name}/runs", section: .agents, run)
        routes.post("console/agents/{name}/delete", section: .agents, delete)
    }

    @Sendable func list(_ caller: ConsoleCaller) async throws -> Response {
        let agents = try await api.get("/api/v1/agents", as: caller)["agents"]?.arrayValue ?? []
        let rows = agents.map { agent -> [HTML] in
            let name = agent["name"]?.stringValue ?? ""
            let links = agent["links"]?.arrayValue?.compactMap { $0["connector"]?.stringValue } ?? []
            return [
                "<a href=\"/console/agents/\(name)\">\(name)</a>", "\(agent["type"]?.stringValue ?? "")", "\(agent["description"]?.stringValue ?? "")",
                "\(agent["model"]?.stringValue ?? "—")", "\(links.joined(separator: ", "))", ConsoleUI.time(agent["updated_at"]?.stringValue),
            ]
        }
        let notice = caller.request.uri.queryParameters["notice"] == "deleted"
            ? "Agent \(caller.request.uri.queryParameters["name"].map(String.init) ?? "") deleted." : nil
        return ConsolePage.make("Agents", section: .agents, caller: caller, """
            <div class="heading"><h1>Agents</h1><a class="button primary" href="/console/agents/new">New agent</a></div>
            \(ConsoleUI.notice(notice))
            \(ConsoleUI.table(["Name", "Type", "Description", "Model", "Linked connectors", "Changed"], rows, empty: "No agents yet."))
            """)
    }

    /// The YAML editor, for a new agent (`name` nil) or an existing one.
    func editor(_ caller: ConsoleCaller, name: String?, text: String, problem: ConsoleAPI.Problem? = nil, notice: String? = nil) async throws -> Response {
        let line = problem?.details?["line"]?.intValue
        let lineAttribute: HTML = line.map { " data-error-line=\"\($0)\"" } ?? .empty
        let action = name.map { "/console/agents/\($0)" } ?? "/console/agents/new"
        let editorHTML = ConsolePage.form(action, caller: caller, class: "stack", """
            <div class="field"><label for="definition">Definition (YAML or JSON)</label>
            <div class="editor"\(lineAttribute)><pre class="lines" aria-hidden="true"></pre>
            <textarea class="code" id="definition" name="definition" rows="22" spellcheck="false" aria-describedby="definition-hint">\(text)</textarea></div>
            <div class="hint" id="definition-hint">Tab indents; Esc, then Tab, leaves the editor. See the Agents section of the README for every field.</div></div>
            <div class="actions"><button type="submit" class="primary">\(name == nil ? "Create agent" : "Save")</button></div>
            """)
        guard let name else {
            return ConsolePage.make("New agent", section: .agents, caller: caller, status: problem?.status ?? .ok, """
                <h1>New agent</h1>
                \(ConsoleUI.problem(problem))
                \(editorHTML)
                """)
        }
        return try await detail(caller, name: name, editor: editorHTML, problem: problem, notice: notice)
    }

    func show(_ caller: ConsoleCaller, problem: ConsoleAPI.Problem? = nil, notice: String? = nil) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        let agent = try await api.get("/api/v1/agents/\(ConsoleAPI.segment(name))", as: caller)
        let text = DocumentText.yaml(agent["definition"] ?? .null, keyOrder: Self.keyOrder)
        return try await editor(caller, name: name, text: text, problem: problem, notice: notice ?? Self.notice(caller))
    }

    private static func notice(_ caller: ConsoleCaller) -> String? {
        let query = caller.request.uri.queryParameters
        let connector = query["connector"].map(String.init) ?? ""
        switch query["notice"] {
        case "created": return "Agent created."
        case "saved": return "Agent saved."
        case "linked": return "Linked \(connector)."
        case "unlinked": return "Unlinked \(connector)."
        default: return nil
        }
    }

    private func detail(_ caller: ConsoleCaller, name: String, editor: HTML, problem: ConsoleAPI.Problem?, notice: String?) async throws -> Response {
        let path = "/api/v1/agents/\(ConsoleAPI.segment(name))"
        async let agentAnswer = api.get(path, as: caller)
        async let connectorAnswer = api.get("/api/v1/connectors", as: caller)
        async let runAnswer = api.get("/api/v1/runs", query: [("agent", name), ("limit", "10")], as: caller)
        let agent = try await agentAnswer
        let connectors = try await connectorAnswer["connectors"]?.arrayValue ?? []
        let flow = ConnectorFlow(agent: agent, connectors: connectors)
        let runs = try await runAnswer["runs"]?.arrayValue ?? []
        let runRows = runs.map { run -> [HTML] in
            let id = run["id"]?.stringValue ?? ""
            return ["<a href=\"/console/runs/\(id)\"><code>\(id)</code></a>", ConsoleUI.badge(run["status"]?.stringValue),
                    "\(run["trigger"]?["kind"]?.stringValue ?? "")", ConsoleUI.time(run["created_at"]?.stringValue)]
        }
        let warnings = (agent["warnings"]?.arrayValue ?? []).compactMap(\.stringValue).map { "<div class=\"warning\">\($0)</div>" as HTML }
        return ConsolePage.make(name, section: .agents, caller: caller, status: problem?.status ?? .ok, """
            <div class="heading"><h1>\(name)</h1><span class="badge">\(agent["type"]?.stringValue ?? "")</span>
            \(ConsolePage.form("/console/agents/\(name)/delete", caller: caller, confirm: "Delete agent \(name) and its links?", "<button type=\"submit\">Delete agent</button>"))</div>
            \(ConsoleUI.notice(notice))
            \(warnings)
            <p>\(agent["description"]?.stringValue ?? "")</p>
            <h2>Connector Flow</h2>
            \(flow.html(agent: name, caller: caller))
            <h2>Run now</h2>
            \(ConsolePage.form("/console/agents/\(name)/runs", caller: caller, class: "stack", """
                \(ConsoleUI.field("Input (JSON)", for: "input", hint: "The run's input, as a trigger would give it.",
                    "<textarea class=\"code\" id=\"input\" name=\"input\" rows=\"4\" spellcheck=\"false\">{}</textarea>"))
                <div class="actions"><button type="submit" class="primary">Run now</button></div>
                """))
            <h2>Recent runs</h2>
            \(ConsoleUI.table(["Run", "Status", "Trigger", "Created"], runRows, empty: "No runs yet."))
            <p><a href="/console/runs?agent=\(name)">All runs of \(name)</a></p>
            <h2>Definition</h2>
            \(ConsoleUI.problem(problem))
            \(editor)
            """)
    }

    /// Creates (`name` nil) or replaces the agent from the editor's text.
    func save(_ caller: ConsoleCaller, _ form: ConsoleForm, name: String?) async throws -> Response {
        let text = form["definition"] ?? ""
        let bytes = ByteBuffer(string: text)
        let type = DocumentText.isJSON(Array(text.utf8)) ? "application/json" : "application/yaml"
        let answer = name == nil
            ? try await api.send(.post, "/api/v1/agents", body: bytes, contentType: type, as: caller)
            : try await api.send(.put, "/api/v1/agents/\(ConsoleAPI.segment(name ?? ""))", body: bytes, contentType: type, as: caller)
        guard answer.succeeded else {
            let problem = ConsoleAPI.Problem(answer)
            guard problem.status == .badRequest || problem.status == .conflict || problem.status == .unsupportedMediaType else { throw problem }
            return try await editor(caller, name: name, text: text, problem: problem)
        }
        let saved = answer.json["name"]?.stringValue ?? name ?? ""
        return ConsolePage.redirect("/console/agents/\(saved)?notice=\(name == nil ? "created" : "saved")")
    }

    @Sendable func link(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        guard let connector = form.trimmed("connector") else {
            return try await show(caller, problem: ConsoleAPI.Problem(status: .badRequest, code: "invalid_input", message: "Choose a connector to link.", field: "connector"))
        }
        let answer = try await api.send(.post, "/api/v1/agents/\(ConsoleAPI.segment(name))/links/\(ConsoleAPI.segment(connector))", as: caller)
        guard answer.succeeded else { return try await show(caller, problem: ConsoleAPI.Problem(answer)) }
        return ConsolePage.redirect(ConsoleUI.link("/console/agents/\(name)", [("notice", "linked"), ("connector", connector)]))
    }

    @Sendable func unlink(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        let connector = try caller.context.parameters.require("connector")
        try await api.json(.delete, "/api/v1/agents/\(ConsoleAPI.segment(name))/links/\(ConsoleAPI.segment(connector))", as: caller)
        return ConsolePage.redirect(ConsoleUI.link("/console/agents/\(name)", [("notice", "unlinked"), ("connector", connector)]))
    }

    @Sendable func run(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        let text = form["input"] ?? "null"
        guard let input = try? JSONCoding.decode(Array(text.utf8)) as JSONValue else {
            return try await show(caller, problem: ConsoleAPI.Problem(status: .badRequest, code: "invalid_input", message: "The input is not valid JSON.", field: "input"))
        }
        let answer = try await api.send(
            .post, "/api/v1/agents/\(ConsoleAPI.segment(name))/runs", body: ByteBuffer(bytes: JSONValue.object(["input": input]).jsonBytes),
            contentType: "application/json", as: caller)
        guard answer.succeeded, let id = answer.json["id"]?.stringValue else { return try await show(caller, problem: ConsoleAPI.Problem(answer)) }
        return ConsolePage.redirect("/console/runs/\(id)")
    }

    @Sendable func delete(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        try await api.json(.delete, "/api/v1/agents/\(ConsoleAPI.segment(name))", as: caller)
        return ConsolePage.redirect(ConsoleUI.link("/console/agents", [("notice", "deleted"), ("name", name)]))
    }
}

/// An agent's connectors as a flow: the triggers that start it, the agent with the tools it
/// uses, and the outbound connectors its results are delivered to.
struct ConnectorFlow: Sendable {
    var triggers: [(name: String, kind: String)] = []
    var tools: [(name: String, kind: String)] = []
    var outbound: [(name: String, kind: String)] = []
    /// Connectors of the tenant not linked yet.
    var unlinked: [String] = []
    /// Connectors the definition calls (steps, tools) without a link.
    var used: [String] = []

    init(agent: JSONValue, connectors: [JSONValue]) {
        let byName = Dictionary(connectors.compactMap { connector in connector["connector_name"]?.stringValue.map { ($0, connector) } },
                                uniquingKeysWith: { first, _ in first })
        let links = agent["links"]?.arrayValue?.compactMap { $0["connector"]?.stringValue } ?? []
        for link in links {
            let connector = byName[link]
            let type = connector?["connector_type"]?.stringValue ?? "?"
            let mode = connector?["mode"]?.stringValue
            let kind = mode.map { "\(type) · \($0)" } ?? type
            switch mode {
            case "inbound", "sync": triggers.append((link, kind))
            case "outbound": outbound.append((link, kind))
            default: type == "cron" ? triggers.append((link, kind)) : tools.append((link, kind))
            }
        }
        unlinked = byName.keys.filter { !links.contains($0) }.sorted()
        let definition = agent["definition"] ?? .null
        let named = (definition["steps"]?.arrayValue?.compactMap { $0["connector"]?.stringValue } ?? [])
            + (definition["tools"]?.arrayValue?.compactMap { $0.stringValue?.components(separatedBy: "__").first } ?? [])
        used = Array(Set(named)).filter { !links.contains($0) }.sorted()
    }

    func html(agent: String, caller: ConsoleCaller) -> HTML {
        let node = { (item: (name: String, kind: String)) -> HTML in
            """
            <div class="node"><span><a href="/console/connectors/\(item.name)">\(item.name)</a> <span class="small muted">\(item.kind)</span></span>
            \(ConsolePage.form("/console/agents/\(agent)/links/\(item.name)/delete", caller: caller, "<button type=\"submit\" class=\"link\" aria-label=\"Unlink \(item.name)\">Unlink</button>"))</div>
            """
        }
        let empty = { (text: String) -> HTML in "<p class=\"small muted\">\(text)</p>" }
        let usedHTML: HTML = used.isEmpty ? .empty : "<div class=\"small\">Calls: \(used.joined(separator: ", "))</div>"
        let linkForm = unlinked.isEmpty ? HTML.empty : ConsolePage.form("/console/agents/\(agent)/links", caller: caller, """
            <label>Link a connector<select name="connector">\(ConsoleUI.options(unlinked, selected: nil))</select></label>
            <button type="submit">Link</button>
            """)
        return """
            <div class="flow" aria-label="Connector Flow">
              <div class="column"><h3>Triggers</h3>\(triggers.isEmpty ? empty("No trigger: runs start only from the API or Run now.") : HTML(triggers.map(node)))</div>
              <div class="arrow" aria-hidden="true">→</div>
              <div class="column"><div class="agent">\(agent)</div><h3>Tools</h3>\(tools.isEmpty ? empty("No linked tool connectors.") : HTML(tools.map(node)))\(usedHTML)</div>
              <div class="arrow" aria-hidden="true">→</div>
              <div class="column"><h3>Outbound</h3>\(outbound.isEmpty ? empty("Results are not delivered anywhere.") : HTML(outbound.map(node)))</div>
            </div>
            \(linkForm)
            """
    }
}
