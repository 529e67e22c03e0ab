import HTTPTypes
import Foundation
import Hummingbird
import JunctionCore
import JunctionRuntime

/// `/console/connectors`: the table of connectors with filters, the create and edit forms
/// generated from the type's spec, a connector's page (health, live test, resources, linked
/// agents, secret rotation) and deletion with a warning naming what depends on it.
struct ConnectorPages: Sendable {
    let api: ConsoleAPI

    func register(on routes: ConsoleRoutes) {
        routes.get("console/connectors", section: .connectors, list)
        routes.get("console/connectors/new", section: .connectors, newForm)
        routes.post("console/connectors/new", section: .connectors, create)
        routes.get("console/connectors/{name}", section: .connectors) { caller in try await show(caller) }
        routes.post("console/connectors/{name}/test", section: .connectors, test)
        routes.get("console/connectors/{name}/edit", section: .connectors) { caller in try await editForm(caller) }
        routes.post("console/connectors/{name}/edit", section: .connectors, update)
        routes.get("console/connectors/{name}/delete", section: .connectors) { caller in try await deleteForm(caller) }
        routes.post("console/connectors/{name}/delete", section: .connectors, delete)
        routes.post("console/connectors/{name}/rotate-secret", section: .connectors, rotateSecret)
    }

    // MARK: List

    @Sendable func list(_ caller: ConsoleCaller) async throws -> Response {
        let query = caller.request.uri.queryParameters
        let type = query["type"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let health = query["health"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let search = query["q"].map { String($0).lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        async let listed = api.get("/api/v1/connectors", query: type.map { [("type", $0)] } ?? [], as: caller)
        async let types = api.get("/api/v1/connector-types", as: caller)
        let typeNames = try await types["connector_types"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
        let connectors = try await (listed["connectors"]?.arrayValue ?? []).filter { connector in
            (health == nil || connector["health_status"]?.stringValue == health)
                && (search == nil || [connector["connector_name"], connector["display_name"], connector["description"]].contains {
                    $0?.stringValue?.lowercased().contains(search!) == true
                })
        }
        let rows = connectors.map { connector -> [HTML] in
            let name = connector["connector_name"]?.stringValue ?? ""
            let shownName: HTML = connector["display_name"]?.stringValue.map { "<div class=\"small muted\">\($0)</div>" } ?? .empty
            let disabled: HTML = connector["enabled"]?.boolValue == false ? " <span class=\"badge bad\">disabled</span>" : .empty
            return [
                "<a href=\"/console/connectors/\(name)\">\(name)</a>\(shownName)", "\(connector["description"]?.stringValue ?? "")",
                "\(connector["connector_type"]?.stringValue ?? "")\(HTML.when(connector["mode"]?.stringValue != nil, " · \(connector["mode"]?.stringValue ?? "")"))",
                "\(ConsoleUI.badge(connector["health_status"]?.stringValue))\(disabled)", ConsoleUI.time(connector["created_at"]?.stringValue),
            ]
        }
        let createButton: HTML = caller.may(.operator) ? "<a class=\"button primary\" href=\"/console/connectors/new\">Create connector</a>" : .empty
        return ConsolePage.make("Connectors", section: .connectors, caller: caller, """
            <div class="heading"><h1>Connectors</h1>\(createButton)</div>
            \(ConsoleUI.notice(Self.notice(query["notice"].map(String.init), name: query["name"].map(String.init))))
            <form method="get" action="/console/connectors" class="inline" role="search">
              <label>Search<input type="search" name="q" value="\(search)"></label>
              <label>Type<select name="type">\(ConsoleUI.options(typeNames, selected: type, blank: "Any type"))</select></label>
              <label>Health<select name="health">\(ConsoleUI.options(["healthy", "unhealthy", "unknown"], selected: health, blank: "Any health"))</select></label>
              <button type="submit">Filter</button>
            </form>
            \(ConsoleUI.table(["Name", "Description", "Type", "Health", "Created"], rows, empty: "No connectors yet."))
            """)
    }

    static func notice(_ code: String?, name: String?) -> String? {
        switch code {
        case "created": "Connector \(name ?? "") created."
        case "updated": "Connector \(name ?? "") saved."
        case "deleted": "Connector \(name ?? "") deleted."
        default: nil
        }
    }

    // MARK: Create

    @Sendable func newForm(_ caller: ConsoleCaller) async throws -> Response {
        let query = caller.request.uri.queryParameters
        if let template = query["template"].map(String.init) {
            let found = try await api.get("/api/v1/templates/\(ConsoleAPI.segment(template))", as: caller)
            return try await formPage(caller, type: found["connector_type"]?.stringValue ?? "http", template: found)
        }
        guard let type = query["type"].map(String.init), !type.isEmpty else { return try await typeChoice(caller) }
        return try await formPage(caller, type: type, template: nil)
    }

    private func typeChoice(_ caller: ConsoleCaller) async throws -> Response {
        let types = try await api.get("/api/v1/connector-types", as: caller)["connector_types"]?.arrayValue ?? []
        let cards = types.map { type -> HTML in
            let name = type["type"]?.stringValue ?? ""
            return """
                <a class="card" href="/console/connectors/new?type=\(name)"><div><strong>\(type["display_name"]?.stringValue ?? name)</strong>
                <span class="badge">\(type["category"]?.stringValue ?? "")</span></div><div class="small muted">\(type["description"]?.stringValue ?? "")</div></a>
                """
        }
        return ConsolePage.make("Create connector", section: .connectors, caller: caller, """
            <h1>Create connector</h1>
            <p>Choose the type of system to connect, or start from a <a href="/console/templates">template</a> of a known API.</p>
            <div class="cards">\(cards)</div>
            """)
    }

    private func formPage(
        _ caller: ConsoleCaller, type: String, template: JSONValue?, entered: ConsoleForm? = nil, problem: ConsoleAPI.Problem? = nil
    ) async throws -> Response {
        async let specAnswer = api.get("/api/v1/connector-types/\(ConsoleAPI.segment(type))", as: caller)
        let credentials = try await Self.credentials(api, caller)
        let spec = try await specAnswer
        let slug = template?["slug"]?.stringValue
        let form = ConnectorForm(spec: spec, current: nil, entered: entered, problem: problem, credentials: credentials, template: slug)
        let heading = slug.map { "Create a connector from \(template?["display_name"]?.stringValue ?? $0)" } ?? "Create a \(type) connector"
        let action = slug.map { "/console/connectors/new?template=\(ConsoleAPI.segment($0))" } ?? "/console/connectors/new?type=\(ConsoleAPI.segment(type))"
        let templateNote: HTML = template.map { template in
            "<p class=\"muted\">\(template["description"]?.stringValue ?? "") Base URL <code>\(template["base_url"]?.stringValue ?? "")</code>.</p>"
        } ?? "<p class=\"muted\">\(spec["description"]?.stringValue ?? "")</p>"
        return ConsolePage.make(heading, section: .connectors, caller: caller, status: problem?.status ?? .ok, """
            <h1>\(heading)</h1>
            \(templateNote)
            \(ConsoleUI.problem(problem))
            \(ConsolePage.form(action, caller: caller, class: "stack", """
                \(form.controls)
                <div class="actions"><button type="submit" class="primary">Create</button><a class="button" href="/console/connectors">Cancel</a></div>
                """))
            """)
    }

    @Sendable func create(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let query = caller.request.uri.queryParameters
        let templateSlug = query["template"].map(String.init)
        let template = try await templateSlug.asyncMap { try await api.get("/api/v1/templates/\(ConsoleAPI.segment($0))", as: caller) }
        let type = template?["connector_type"]?.stringValue ?? query["type"].map(String.init) ?? ""
        let spec = try await api.get("/api/v1/connector-types/\(ConsoleAPI.segment(type))", as: caller)
        do {
            var body = try ConnectorForm.body(spec: spec, form: form, current: nil)
            // From a template: the template (named by the form's address) gives the type.
            if let templateSlug, case .object(var members) = body {
                members["connector_type"] = nil
                members["template"] = .string(templateSlug)
                body = .object(members)
            }
            let created = try await api.json(.post, "/api/v1/connectors", body: body, as: caller)
            let name = created["connector_name"]?.stringValue ?? ""
            if let secret = created["secret"]?.stringValue {
                return ConsolePage.make("Connector created", section: .connectors, caller: caller, """
                    <h1>Connector \(name) created</h1>
                    \(Self.secretOnce(created, secret: secret))
                    <p><a class="button primary" href="/console/connectors/\(name)">Go to the connector</a></p>
                    """)
            }
            return ConsolePage.redirect("/console/connectors/\(name)?notice=created")
        } catch let problem as ConsoleAPI.Problem {
            return try await formPage(caller, type: type, template: template, entered: form, problem: problem)
        }
    }

    /// A webhook's URL and secret, shown this once.
    static func secretOnce(_ connector: JSONValue, secret: String) -> HTML {
        var items: [(label: String, id: String, value: String)] = []
        if let url = connector["webhook_url"]?.stringValue { items.append(("Webhook URL", "webhook-url", url)) }
        items.append(("Secret", "webhook-secret", secret))
        return ConsoleUI.shownOnce(
            items, note: "Copy the secret now: it is shown this once and never again (rotate it for a new one). Senders put it in X-Junction-Secret or sign with it.")
    }

    // MARK: Show and test

    func show(_ caller: ConsoleCaller, test: JSONValue? = nil) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        let path = "/api/v1/connectors/\(ConsoleAPI.segment(name))"
        let connector = try await api.get(path, as: caller)
        async let resources = api.send(.get, path + "/resources", as: caller)
        async let agents = api.get("/api/v1/agents", as: caller)
        let linked = try await (agents["agents"]?.arrayValue ?? []).filter { agent in
            agent["links"]?.arrayValue?.contains { $0["connector"]?.stringValue == name } == true
        }
        let resourceList = try await resources.json["resources"]?.arrayValue ?? []
        let query = caller.request.uri.queryParameters
        let testResult: HTML = test.map { result in
            let ok = result["success"]?.boolValue == true
            return """
                <div class="\(ok ? "notice" : "problem")" role="status"><strong>\(ok ? "Connection test passed" : "Connection test failed")</strong>
                in \(ConsoleUI.duration(result["duration_ms"]?.intValue))\(HTML.when(!ok, ": \(result["error"]?["message"]?.stringValue ?? "")"))
                \(HTML.when(!ok, " <span class=\"code small\">\(result["error"]?["code"]?.stringValue ?? "")</span>"))</div>
                """
        } ?? .empty
        let type = connector["connector_type"]?.stringValue ?? ""
        let canTest = ["http", "graphql", "soap", "mcp"].contains(type) || connector["connection_url"]?.stringValue != nil && !["webhook", "cron"].contains(type)
        let operatorActions: HTML = caller.may(.operator) ? """
            <div class="actions">
            \(HTML.when(canTest, ConsolePage.form("/console/connectors/\(name)/test", caller: caller, "<button type=\"submit\" class=\"primary\">Test connection</button>")))
            <a class="button" href="/console/connectors/\(name)/edit">Edit</a>
            \(HTML.when(connector["webhook_url"]?.stringValue != nil || connector["options"]?["secret"] != nil, ConsolePage.form(
                "/console/connectors/\(name)/rotate-secret", caller: caller, confirm: "Rotate the secret? Senders using the old one will be refused.",
                "<button type=\"submit\">Rotate secret</button>")))
            <a class="button" href="/console/connectors/\(name)/delete">Delete</a>
            </div>
            """ : .empty
        let resourceRows = resourceList.map { resource -> [HTML] in
            let slug = resource["slug"]?.stringValue ?? ""
            return [
                "<a href=\"/console/tools/\(name)/\(slug)\">\(slug)</a>", "\(resource["kind"]?.stringValue ?? "")",
                "<code>\(resource["method"]?.stringValue ?? "") \(resource["path"]?.stringValue ?? "")</code>",
                "\(resource["description"]?.stringValue ?? "")", resource["has_mock"]?.boolValue == true ? "yes" : "",
            ]
        }
        let agentRows = linked.map { agent -> [HTML] in
            let agentName = agent["name"]?.stringValue ?? ""
            return ["<a href=\"/console/agents/\(agentName)\">\(agentName)</a>", "\(agent["type"]?.stringValue ?? "")", "\(agent["description"]?.stringValue ?? "")"]
        }
        return ConsolePage.make(name, section: .connectors, caller: caller, """
            <div class="heading"><h1>\(name)</h1>\(ConsoleUI.badge(connector["health_status"]?.stringValue))</div>
            \(ConsoleUI.notice(Self.notice(query["notice"].map(String.init), name: name)))
            \(testResult)
            \(operatorActions)
            \(ConsoleUI.facts([
                ("Type", "\(type)\(HTML.when(connector["mode"]?.stringValue != nil, " · \(connector["mode"]?.stringValue ?? "")"))"),
                ("Display name", "\(connector["display_name"]?.stringValue ?? "—")"),
                ("Description", "\(connector["description"]?.stringValue ?? "—")"),
                ("Template", "\(connector["template"]?.stringValue ?? "—")"),
                ("Connection URL", "\(connector["connection_url"]?.stringValue ?? "—")"),
                ("Webhook URL", connector["webhook_url"]?.stringValue.map { "<code>\($0)</code>" } ?? "—"),
                ("Credential", connector["credential"]?.stringValue.map { "<a href=\"/console/credentials\">\($0)</a>" } ?? "—"),
                ("State", connector["enabled"]?.boolValue == false ? "disabled" : "enabled"),
                ("Timeout", ConsoleUI.duration(connector["timeout_ms"]?.intValue)),
                ("Retries", "\(connector["max_retries"]?.intValue ?? 0)"),
                ("Last health check", ConsoleUI.time(connector["last_health_check"]?.stringValue)),
                ("Last error", "\(connector["last_error"]?.stringValue ?? "—")"),
                ("Created", ConsoleUI.time(connector["created_at"]?.stringValue)),
            ]))
            <h2>Resources</h2>
            \(ConsoleUI.table(["Resource", "Kind", "Request", "Description", "Mock"], resourceRows, empty: "This connector has no resources of its own."))
            <h2>Linked agents</h2>
            \(ConsoleUI.table(["Agent", "Type", "Description"], agentRows, empty: "No agent is linked to this connector."))
            <h2>Options</h2>
            \(ConsoleUI.json(connector["options"]))
            """)
    }

    @Sendable func test(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        let answer = try await api.send(.post, "/api/v1/connectors/\(ConsoleAPI.segment(name))/test", as: caller)
        guard answer.json["success"] != nil else { throw ConsoleAPI.Problem(answer) }
        return try await show(caller, test: answer.json)
    }

    // MARK: Edit

    func editForm(_ caller: ConsoleCaller, entered: ConsoleForm? = nil, problem: ConsoleAPI.Problem? = nil) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        let connector = try await api.get("/api/v1/connectors/\(ConsoleAPI.segment(name))", as: caller)
        let type = connector["connector_type"]?.stringValue ?? ""
        async let spec = api.get("/api/v1/connector-types/\(ConsoleAPI.segment(type))", as: caller)
        let credentials = try await Self.credentials(api, caller)
        let form = ConnectorForm(
            spec: try await spec, current: connector, entered: entered, problem: problem, credentials: credentials,
            template: nil)
        return ConsolePage.make("Edit \(name)", section: .connectors, caller: caller, status: problem?.status ?? .ok, """
            <h1>Edit \(name)</h1>
            \(ConsoleUI.problem(problem))
            \(ConsolePage.form("/console/connectors/\(name)/edit", caller: caller, class: "stack", """
                \(form.controls)
                <div class="actions"><button type="submit" class="primary">Save</button><a class="button" href="/console/connectors/\(name)">Cancel</a></div>
                """))
            """)
    }

    @Sendable func update(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        let path = "/api/v1/connectors/\(ConsoleAPI.segment(name))"
        let connector = try await api.get(path, as: caller)
        let spec = try await api.get("/api/v1/connector-types/\(ConsoleAPI.segment(connector["connector_type"]?.stringValue ?? ""))", as: caller)
        do {
            let body = try ConnectorForm.body(spec: spec, form: form, current: connector)
            try await api.json(.put, path, body: body, as: caller)
            return ConsolePage.redirect("/console/connectors/\(name)?notice=updated")
        } catch let problem as ConsoleAPI.Problem {
            return try await editForm(caller, entered: form, problem: problem)
        }
    }

    // MARK: Delete

    func deleteForm(_ caller: ConsoleCaller, problem: ConsoleAPI.Problem? = nil) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        let connector = try await api.get("/api/v1/connectors/\(ConsoleAPI.segment(name))", as: caller)
        let dependents = try await Dependents.of(connector: name, api: api, caller: caller)
        let warning: HTML = dependents.isEmpty ? "<p>Nothing depends on this connector.</p>" : """
            <div class="warning" role="alert"><strong>These depend on \(name):</strong>
            \(dependents.html)
            <p>Deleting it unlinks it from these agents; their calls to it will fail, and runs started by the triggers above will fail where they use it.</p></div>
            """
        let force: HTML = dependents.isEmpty ? .empty : """
            <label><input type="checkbox" name="force" value="true" required> Delete it anyway (force)</label>
            """
        return ConsolePage.make("Delete \(name)", section: .connectors, caller: caller, status: problem?.status ?? .ok, """
            <h1>Delete \(name)?</h1>
            \(ConsoleUI.problem(problem))
            <p>\(connector["connector_type"]?.stringValue ?? "") connector\(HTML.when(connector["description"]?.stringValue != nil, ": \(connector["description"]?.stringValue ?? "")")). This cannot be undone.</p>
            \(warning)
            \(ConsolePage.form("/console/connectors/\(name)/delete", caller: caller, """
                \(force)<button type="submit" class="danger">Delete connector</button><a class="button" href="/console/connectors/\(name)">Cancel</a>
                """))
            """)
    }

    @Sendable func delete(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        let answer = try await api.send(
            .delete, "/api/v1/connectors/\(ConsoleAPI.segment(name))", query: [("force", form["force"] == "true" ? "true" : "false")], as: caller)
        guard answer.succeeded else {
            let problem = ConsoleAPI.Problem(answer)
            guard problem.code == "conflict" else { throw problem }
            return try await deleteForm(caller, problem: problem)
        }
        return ConsolePage.redirect("/console/connectors?notice=deleted&name=\(ConsoleAPI.segment(name))")
    }

    @Sendable func rotateSecret(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        let rotated = try await api.json(.post, "/api/v1/connectors/\(ConsoleAPI.segment(name))/rotate-secret", as: caller)
        return ConsolePage.make("Secret rotated", section: .connectors, caller: caller, """
            <h1>New secret for \(name)</h1>
            \(Self.secretOnce(rotated, secret: rotated["secret"]?.stringValue ?? ""))
            <p><a class="button primary" href="/console/connectors/\(name)">Back to the connector</a></p>
            """)
    }

    /// The tenant's credentials as `(name, kind)`.
    static func credentials(_ api: ConsoleAPI, _ caller: ConsoleCaller) async throws -> [(name: String, kind: String)] {
        try await (api.get("/api/v1/credentials", as: caller)["credentials"]?.arrayValue ?? []).compactMap { credential in
            guard let name = credential["name"]?.stringValue, let kind = credential["kind"]?.stringValue else { return nil }
            return (name, kind)
        }
    }
}

extension Optional {
    /// The wrapped value mapped by an async `transform`.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
