import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime

/// `/console/keys` (a tenant's admin) and `/console/tenants` (the platform admin): tenants,
/// their API keys with roles and allow-lists, new keys shown once, and key deletion.
struct KeyPages: Sendable {
    let api: ConsoleAPI

    func register(on routes: ConsoleRoutes) {
        routes.get("console/keys", section: .keys) { caller in try await tenantKeys(caller, section: .keys, tenant: nil) }
        routes.post("console/keys", section: .keys) { caller, form in try await createKey(caller, form, section: .keys, tenant: nil) }
        routes.post("console/keys/{id}/delete", section: .keys) { caller, form in try await deleteKey(caller, section: .keys, back: "/console/keys") }
        routes.get("console/tenants", section: .tenants) { caller in try await tenants(caller) }
        routes.post("console/tenants", section: .tenants, createTenant)
        routes.get("console/tenants/{tenant}", section: .tenants) { caller in
            try await tenantKeys(caller, section: .tenants, tenant: try caller.context.parameters.require("tenant"))
        }
        routes.post("console/tenants/{tenant}/keys", section: .tenants) { caller, form in
            try await createKey(caller, form, section: .tenants, tenant: try caller.context.parameters.require("tenant"))
        }
        routes.post("console/platform-keys/{id}/delete", section: .tenants) { caller, form in
            try await deleteKey(caller, section: .tenants, back: "/console/tenants")
        }
        routes.post("console/tenants/{tenant}/keys/{id}/delete", section: .tenants) { caller, form in
            try await deleteKey(caller, section: .tenants, back: "/console/tenants/\(try caller.context.parameters.require("tenant"))")
        }
    }

    // MARK: Tenants (platform key)

    func tenants(_ caller: ConsoleCaller, created: JSONValue? = nil, problem: ConsoleAPI.Problem? = nil) async throws -> Response {
        guard caller.principal.isPlatform else {
            throw ConsoleAPI.Problem(status: .forbidden, code: "forbidden", message: "Only the platform key manages tenants.")
        }
        let tenants = try await api.send(.get, "/api/v1/tenants", inTenant: false, as: caller).json["tenants"]?.arrayValue ?? []
        let rows = tenants.map { tenant -> [HTML] in
            let id = tenant["id"]?.stringValue ?? ""
            return ["<a href=\"/console/tenants/\(id)\">\(tenant["name"]?.stringValue ?? "")</a>", "<code>\(id)</code>", ConsoleUI.time(tenant["created_at"]?.stringValue)]
        }
        let shown: HTML = created.map { created in
            """
            <div class="notice" role="status">Tenant \(created["name"]?.stringValue ?? "") created with its first key.</div>
            \(ConsoleUI.shownOnce([("API key of \(created["name"]?.stringValue ?? "")", "new-key", created["api_key"]?.stringValue ?? "")],
                note: "Copy it now: it is shown this once and never again. Only its digest is stored."))
            """
        } ?? .empty
        let platformKeys = try await keyTable(caller, tenant: nil, deletePath: { "/console/platform-keys/\($0)/delete" })
        return ConsolePage.make("Tenants", section: .tenants, caller: caller, status: problem?.status ?? .ok, """
            <h1>Tenants</h1>
            \(shown)
            \(ConsoleUI.problem(problem))
            \(ConsolePage.form("/console/tenants", caller: caller, """
                <label>New tenant<input type="text" name="name" required pattern="[a-z0-9][a-z0-9-]*" placeholder="acme"></label>
                <button type="submit" class="primary">Create tenant</button>
                """))
            \(ConsoleUI.table(["Name", "Id", "Created"], rows, empty: "No tenants yet."))
            <h2>Platform keys</h2>
            \(platformKeys)
            """)
    }

    @Sendable func createTenant(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let answer = try await api.send(
            .post, "/api/v1/tenants", body: .init(bytes: JSONValue.object(["name": .string(form.trimmed("name") ?? "")]).jsonBytes),
            contentType: "application/json", inTenant: false, as: caller)
        guard answer.succeeded else { return try await tenants(caller, problem: ConsoleAPI.Problem(answer)) }
        return try await tenants(caller, created: answer.json)
    }

    // MARK: Keys

    /// The keys of `tenant` (an id, for the platform key; `nil`: the caller's own tenant, or
    /// the platform keys for the platform key).
    private func keyTable(_ caller: ConsoleCaller, tenant: String?, deletePath: (String) -> String) async throws -> HTML {
        let query = tenant.map { [("tenant", $0)] } ?? []
        let answer = try await api.send(.get, "/api/v1/keys", query: query, inTenant: false, as: caller)
        guard answer.succeeded else { throw ConsoleAPI.Problem(answer) }
        let rows = (answer.json["keys"]?.arrayValue ?? []).map { key -> [HTML] in
            let id = key["id"]?.stringValue ?? ""
            let lists = [key["connectors"], key["resources"]].compactMap { $0?.arrayValue?.compactMap(\.stringValue) }.flatMap { $0 }
            let isOwn = id == caller.principal.keyID
            return [
                "\(key["name"]?.stringValue ?? "")\(HTML.when(isOwn, " <span class=\"badge\">this session</span>"))", "<code>\(id)</code>",
                ConsoleUI.badge(key["role"]?.stringValue), lists.isEmpty ? "<span class=\"muted\">everything</span>" : "\(lists.joined(separator: ", "))",
                ConsoleUI.time(key["created_at"]?.stringValue),
                isOwn ? .empty : ConsolePage.form(deletePath(id), caller: caller, confirm: "Delete this key? Whatever uses it stops working at once.",
                                                  "<button type=\"submit\">Delete</button>"),
            ]
        }
        return ConsoleUI.table(["Name", "Id", "Role", "May call", "Created", ""], rows, empty: "No keys.")
    }

    func tenantKeys(_ caller: ConsoleCaller, section: ConsoleSection, tenant: String?, created: JSONValue? = nil, problem: ConsoleAPI.Problem? = nil) async throws -> Response {
        let action = tenant.map { "/console/tenants/\($0)/keys" } ?? "/console/keys"
        let title: String
        if let tenant {
            let found = try await api.get("/api/v1/tenants/\(ConsoleAPI.segment(tenant))", as: caller)
            title = "Tenant \(found["name"]?.stringValue ?? tenant)"
        } else {
            title = "API keys"
        }
        let table = try await keyTable(caller, tenant: tenant, deletePath: { "\(action)/\($0)/delete" })
        let shown: HTML = created.map { created in
            ConsoleUI.shownOnce([("New key \(created["name"]?.stringValue ?? "")", "new-key", created["api_key"]?.stringValue ?? "")],
                                note: "Copy it now: it is shown this once and never again. Only its digest is stored.")
        } ?? .empty
        return ConsolePage.make(title, section: section, caller: caller, status: problem?.status ?? .ok, """
            <h1>\(title)</h1>
            \(shown)
            \(ConsoleUI.problem(problem))
            \(table)
            <h2>New key</h2>
            \(ConsolePage.form(action, caller: caller, class: "stack", """
                \(ConsoleUI.field("Name", for: "key-name", "<input type=\"text\" id=\"key-name\" name=\"name\" required maxlength=\"100\" placeholder=\"ci-bot\">"))
                \(ConsoleUI.field("Role", for: "key-role", hint: "invoke: calls tools only; operator: manages connectors, agents and runs; admin: also keys, policies and approvals.",
                    "<select id=\"key-role\" name=\"role\">\(ConsoleUI.options(["invoke", "operator", "admin"], selected: "invoke"))</select>"))
                \(ConsoleUI.field("Connectors", for: "key-connectors", hint: "Invoke keys only: comma separated names or patterns it may call; blank: all.",
                    error: problem?.field == "connectors" ? problem?.message : nil, "<input type=\"text\" id=\"key-connectors\" name=\"connectors\">"))
                \(ConsoleUI.field("Resources", for: "key-resources", hint: "Invoke keys only: CONNECTOR__RESOURCE patterns; blank: all.",
                    error: problem?.field == "resources" ? problem?.message : nil, "<input type=\"text\" id=\"key-resources\" name=\"resources\">"))
                <div class="actions"><button type="submit" class="primary">Create key</button></div>
                """))
            """)
    }

    func createKey(_ caller: ConsoleCaller, _ form: ConsoleForm, section: ConsoleSection, tenant: String?) async throws -> Response {
        var body: [String: JSONValue] = ["name": .string(form.trimmed("name") ?? "default"), "role": .string(form["role"] ?? "invoke")]
        for list in ["connectors", "resources"] {
            if let text = form.trimmed(list) { body[list] = .array(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }) }
        }
        if let tenant { body["tenant"] = .string(tenant) }
        let answer = try await api.send(
            .post, "/api/v1/keys", body: .init(bytes: JSONValue.object(body).jsonBytes), contentType: "application/json", inTenant: false, as: caller)
        guard answer.succeeded else { return try await tenantKeys(caller, section: section, tenant: tenant, problem: ConsoleAPI.Problem(answer)) }
        return try await tenantKeys(caller, section: section, tenant: tenant, created: answer.json)
    }

    func deleteKey(_ caller: ConsoleCaller, section: ConsoleSection, back: String) async throws -> Response {
        let id = try caller.context.parameters.require("id")
        try await api.json(.delete, "/api/v1/keys/\(ConsoleAPI.segment(id))", as: caller)
        return ConsolePage.redirect(back)
    }
}
