import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime

/// `/console/templates`: the catalog (built in and imported), a template's resources, and the
/// import of an OpenAPI or Swagger document from a file, showing what was skipped and why.
struct TemplatePages: Sendable {
    let api: ConsoleAPI
    /// Reads the uploaded document (`max_import_bytes`).
    let importReader: JSONBodyReader

    func register(on routes: ConsoleRoutes) {
        routes.get("console/templates", section: .templates) { caller in try await list(caller) }
        routes.post("console/templates/import", section: .templates, reader: importReader, importDocument)
        routes.get("console/templates/{slug}", section: .templates) { caller in
            try await show(caller, slug: try caller.context.parameters.require("slug"))
        }
        routes.post("console/templates/{slug}/delete", section: .templates, delete)
    }

    func list(_ caller: ConsoleCaller, problem: ConsoleAPI.Problem? = nil) async throws -> Response {
        let templates = try await api.get("/api/v1/templates", as: caller)["templates"]?.arrayValue ?? []
        let rows = templates.map { template -> [HTML] in
            let slug = template["slug"]?.stringValue ?? ""
            return [
                "<a href=\"/console/templates/\(slug)\">\(template["display_name"]?.stringValue ?? slug)</a><div class=\"small muted\">\(slug)</div>",
                "\(template["description"]?.stringValue ?? "")", "\(template["connector_type"]?.stringValue ?? "")",
                "\(template["auth"]?["kind"]?.stringValue ?? (template["auth_required"]?.boolValue == true ? "required" : "none"))",
                "\(template["resource_count"]?.intValue ?? 0)", "\(template["source"]?.stringValue ?? "")",
            ]
        }
        let importForm: HTML = caller.may(.operator) && caller.tenantID != nil ? """
            <h2>Import an API description</h2>
            <p class="muted">An OpenAPI 3.0/3.1 or Swagger 2.0 document, JSON or YAML: each operation becomes a resource.</p>
            <form method="post" action="/console/templates/import" enctype="multipart/form-data" class="stack">
              \(ConsolePage.csrfField(caller))
              \(ConsoleUI.field("Template name", for: "slug", hint: "Lowercase letters, digits and dashes.", error: problem?.field == "slug" ? problem?.message : nil,
                  "<input type=\"text\" id=\"slug\" name=\"slug\" required pattern=\"[a-z0-9][a-z0-9-]*\">"))
              \(ConsoleUI.field("Document", for: "document", "<input type=\"file\" id=\"document\" name=\"document\" required accept=\".json,.yaml,.yml,application/json,application/yaml\">"))
              <div class="actions"><button type="submit" class="primary">Import</button></div>
            </form>
            """ : .empty
        return ConsolePage.make("Templates", section: .templates, caller: caller, status: problem?.status ?? .ok, """
            <h1>Templates</h1>
            \(ConsoleUI.problem(problem))
            \(ConsoleUI.table(["Template", "Description", "Type", "Auth", "Resources", "Source"], rows, empty: "No templates.", numeric: [4]))
            \(importForm)
            """)
    }

    func show(_ caller: ConsoleCaller, slug: String, imported: Bool = false) async throws -> Response {
        let template = try await api.get("/api/v1/templates/\(ConsoleAPI.segment(slug))", as: caller)
        let resources = (template["resources"]?.arrayValue ?? []).map { resource -> [HTML] in
            // An HTTP resource's request, a GraphQL or SOAP one's operation.
            let request = resource["method"] != nil
                ? "\(resource["method"]?.stringValue ?? "") \(resource["path"]?.stringValue ?? "")"
                : resource["operation_name"]?.stringValue ?? resource["operation"]?.stringValue ?? "query"
            return ["<code>\(resource["slug"]?.stringValue ?? "")</code>", ConsoleUI.badge(resource["kind"]?.stringValue),
                    "<code>\(request)</code>", "\(resource["description"]?.stringValue ?? "")",
                    Self.documentationLink(resource["documentation"]?.stringValue)]
        }
        let skipped = (template["skipped"]?.arrayValue ?? []).map { item -> [HTML] in
            ["<code>\(item["operation"]?.stringValue ?? "")</code>", "\(item["reason"]?.stringValue ?? "")"]
        }
        let notes = (template["notes"]?.arrayValue ?? []).map { item -> [HTML] in
            ["<code>\(item["operation"]?.stringValue ?? "")</code>", "\(item["note"]?.stringValue ?? "")"]
        }
        let isImported = template["source"]?.stringValue == "imported"
        let actions: HTML = caller.may(.operator) && caller.tenantID != nil ? """
            <div class="actions"><a class="button primary" href="/console/connectors/new?template=\(slug)">Create a connector from it</a>
            \(HTML.when(isImported, ConsolePage.form("/console/templates/\(slug)/delete", caller: caller, confirm: "Delete template \(slug)?", "<button type=\"submit\">Delete template</button>")))</div>
            """ : .empty
        return ConsolePage.make(template["display_name"]?.stringValue ?? slug, section: .templates, caller: caller, """
            <h1>\(template["display_name"]?.stringValue ?? slug)</h1>
            \(HTML.when(imported, ConsoleUI.notice("Imported \(resources.count) resources\(skipped.isEmpty ? "" : "; \(skipped.count) operations skipped (below)").")))
            <p>\(template["description"]?.stringValue ?? "")</p>
            \(actions)
            \(ConsoleUI.facts([
                ("Name", "<code>\(slug)</code>"), ("Type", "\(template["connector_type"]?.stringValue ?? "")"),
                ("Base URL", "\(template["base_url"]?.stringValue ?? template["connection_url_example"]?.stringValue.map { "your own, e.g. \($0)" } ?? "—")"),
                ("Authentication", "\(template["auth"]?["kind"]?.stringValue ?? "none")\(HTML.when(template["auth_required"]?.boolValue == true, " (required)"))\(Self.alternatives(template["auth"]?["also"]))"),
                ("Documentation", Self.documentationLink(template["documentation"]?.stringValue)),
                ("Source", "\(template["source"]?.stringValue ?? "")"),
            ]))
            <h2>Resources</h2>
            \(ConsoleUI.table(["Resource", "Kind", "Request", "Description", "Reference"], resources, empty: "No resources."))
            \(HTML.when(!skipped.isEmpty, "<h2>Skipped operations</h2>\(ConsoleUI.table(["Operation", "Why"], skipped, empty: ""))"))
            \(HTML.when(!notes.isEmpty, "<h2>Notes</h2>\(ConsoleUI.table(["Operation", "Note"], notes, empty: ""))"))
            """)
    }

    /// A link to a vendor's page (only `https` links are made), or a dash.
    static func documentationLink(_ url: String?) -> HTML {
        guard let url, url.hasPrefix("https://") else { return "—" }
        return "<a href=\"\(url)\" rel=\"noreferrer noopener\" target=\"_blank\">\(URLComponents(string: url)?.host ?? url)</a>"
    }

    /// The other credential kinds a template's service accepts, e.g. ` (or bearer)`.
    static func alternatives(_ also: JSONValue?) -> HTML {
        let kinds = also?.arrayValue?.compactMap(\.stringValue) ?? []
        return kinds.isEmpty ? .empty : " (or \(kinds.joined(separator: ", ")))"
    }

    @Sendable func importDocument(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        guard let file = form.files["document"], !file.body.isEmpty else {
            return try await list(caller, problem: ConsoleAPI.Problem(status: .badRequest, code: "invalid_input", message: "Choose a document to import.", field: "document"))
        }
        let slug = form.trimmed("slug") ?? ""
        let name = file.filename?.lowercased() ?? ""
        let type = name.hasSuffix(".yaml") || name.hasSuffix(".yml") ? "application/yaml" : file.contentType ?? "application/json"
        let answer = try await api.send(
            .post, "/api/v1/templates/import", query: [("slug", slug)], body: .init(bytes: file.body), contentType: type, as: caller)
        guard answer.succeeded else { return try await list(caller, problem: ConsoleAPI.Problem(answer)) }
        return try await show(caller, slug: answer.json["slug"]?.stringValue ?? slug, imported: true)
    }

    @Sendable func delete(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let slug = try caller.context.parameters.require("slug")
        try await api.json(.delete, "/api/v1/templates/\(ConsoleAPI.segment(slug))", as: caller)
        return ConsolePage.redirect("/console/templates")
    }
}
