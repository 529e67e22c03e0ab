import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore

/// `/console/oauth-apps`: the tenant's OAuth apps (the client each provider issued), registered
/// from a catalog template or by hand; the client secret goes in and is shown only as a hint.
struct OAuthAppPages: Sendable {
    let api: ConsoleAPI
    /// The configured public URL, for the redirect URI to register.
    let publicURL: String?

    func register(on routes: ConsoleRoutes) {
        routes.get("console/oauth-apps", section: .credentials) { caller in try await list(caller) }
        routes.post("console/oauth-apps", section: .credentials, create)
        routes.post("console/oauth-apps/{name}/delete", section: .credentials, delete)
    }

    func list(_ caller: ConsoleCaller, entered: ConsoleForm? = nil, problem: ConsoleAPI.Problem? = nil) async throws -> Response {
        let apps = try await api.get("/api/v1/oauth/apps", as: caller)["apps"]?.arrayValue ?? []
        let templates = (try await api.get("/api/v1/templates", as: caller)["templates"]?.arrayValue ?? [])
            .filter { $0["auth"]?["kind"] == "oauth2" }.compactMap { $0["slug"]?.stringValue }
        let rows = apps.map { app -> [HTML] in
            let name = app["name"]?.stringValue ?? ""
            return [
                "<strong>\(name)</strong>", "\(app["template"]?.stringValue ?? "—")", "<code>\(app["client_id"]?.stringValue ?? "")</code>",
                "<code>\(app["client_secret"]?.stringValue ?? "none")</code>",
                "\(app["scopes"]?.arrayValue?.compactMap(\.stringValue).joined(separator: " ") ?? "")",
                ConsolePage.form("/console/oauth-apps/\(name)/delete", caller: caller, confirm: "Delete OAuth app \(name)?", "<button type=\"submit\">Delete</button>"),
            ]
        }
        let text = { (field: String) in entered?[field] ?? "" }
        let error = { (field: String) in problem?.field?.hasPrefix(field) == true ? problem?.message : nil }
        return ConsolePage.make("OAuth apps", section: .credentials, caller: caller, status: problem?.status ?? .ok, """
            <div class="heading"><h1>OAuth apps</h1><a class="button" href="/console/credentials">Credentials</a></div>
            \(ConsoleUI.notice(Self.notice(caller)))
            \(ConsoleUI.problem(problem))
            <p class="muted">Register Junction at the provider with the redirect URI <code>\(PublicURL.base(of: caller.request, configured: publicURL))/oauth/callback</code>,
            then give the client it issues here. Credentials of kind oauth2 name an app and are connected from the credentials page.</p>
            \(ConsoleUI.table(["Name", "Template", "Client id", "Client secret", "Scopes", ""], rows, empty: "No OAuth apps yet."))
            <h2>Register an OAuth app</h2>
            \(ConsolePage.form("/console/oauth-apps", caller: caller, class: "stack", """
                \(ConsoleUI.field("Template", for: "template", hint: "Its endpoints, scopes and quirks are the defaults.", error: error("template"),
                    "<select id=\"template\" name=\"template\">\(ConsoleUI.options(templates, selected: entered?["template"], blank: "none: give the endpoints"))</select>"))
                \(ConsoleUI.field("Name", for: "name", hint: "Blank: the template's slug.", error: error("name"),
                    "<input type=\"text\" id=\"name\" name=\"name\" pattern=\"[a-z0-9][a-z0-9-]*\" value=\"\(text("name"))\">"))
                \(ConsoleUI.field("Client id", for: "client_id", error: error("client_id"),
                    "<input type=\"text\" id=\"client_id\" name=\"client_id\" required autocomplete=\"off\" value=\"\(text("client_id"))\">"))
                \(ConsoleUI.field("Client secret", for: "client_secret", hint: "A value, or env:NAME / file:/path.", error: error("client_secret"),
                    "<input type=\"password\" id=\"client_secret\" name=\"client_secret\" autocomplete=\"off\">"))
                \(ConsoleUI.field("URL parameters", for: "url_parameters", hint: "One NAME=VALUE a line for the template's placeholders, e.g. instance=acme.",
                    error: error("url_parameters"), "<textarea id=\"url_parameters\" name=\"url_parameters\" rows=\"2\">\(text("url_parameters"))</textarea>"))
                \(ConsoleUI.field("Authorization URL", for: "authorize_url", hint: "Blank: the template's.", error: error("authorize_url"),
                    "<input type=\"url\" id=\"authorize_url\" name=\"authorize_url\" value=\"\(text("authorize_url"))\">"))
                \(ConsoleUI.field("Token URL", for: "token_url", hint: "Blank: the template's.", error: error("token_url"),
                    "<input type=\"url\" id=\"token_url\" name=\"token_url\" value=\"\(text("token_url"))\">"))
                \(ConsoleUI.field("Scopes", for: "scopes", hint: "Space separated; blank: the template's.", error: error("scopes"),
                    "<input type=\"text\" id=\"scopes\" name=\"scopes\" value=\"\(text("scopes"))\">"))
                \(ConsoleUI.field("Client authentication", for: "token_auth_method", hint: "How the secret goes to the token endpoint; blank: the template's (else HTTP Basic).",
                    error: error("token_auth_method"),
                    "<select id=\"token_auth_method\" name=\"token_auth_method\">\(ConsoleUI.options(["client_secret_basic", "client_secret_post", "none"], selected: entered?["token_auth_method"], blank: "default"))</select>"))
                <div class="actions"><button type="submit" class="primary">Register app</button></div>
                """))
            """)
    }

    private static func notice(_ caller: ConsoleCaller) -> String? {
        let query = caller.request.uri.queryParameters
        let name = query["name"].map(String.init) ?? ""
        switch query["notice"] {
        case "created": return "OAuth app \(name) registered: create an oauth2 credential naming it, then connect it."
        case "deleted": return "OAuth app \(name) deleted."
        default: return nil
        }
    }

    @Sendable func create(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        var body: [String: JSONValue] = [:]
        for field in ["template", "name", "client_id", "client_secret", "authorize_url", "token_url", "token_auth_method"] {
            body[field] = form.trimmed(field).map(JSONValue.string)
        }
        if let scopes = form.trimmed("scopes") {
            body["scopes"] = .array(scopes.split(whereSeparator: \.isWhitespace).map { .string(String($0)) })
        }
        if let lines = form.trimmed("url_parameters") {
            var parameters: [String: JSONValue] = [:]
            for line in lines.split(whereSeparator: \.isNewline) {
                let pair = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2 { parameters[pair[0]] = .string(pair[1]) }
            }
            body["url_parameters"] = .object(parameters)
        }
        do {
            let created = try await api.json(.post, "/api/v1/oauth/apps", body: .object(body), as: caller)
            return ConsolePage.redirect(ConsoleUI.link("/console/oauth-apps", [("notice", "created"), ("name", created["name"]?.stringValue)]))
        } catch let problem as ConsoleAPI.Problem {
            return try await list(caller, entered: form, problem: problem)
        }
    }

    @Sendable func delete(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        let answer = try await api.send(.delete, "/api/v1/oauth/apps/\(ConsoleAPI.segment(name))", as: caller)
        guard answer.succeeded else { return try await list(caller, problem: ConsoleAPI.Problem(answer)) }
        return ConsolePage.redirect(ConsoleUI.link("/console/oauth-apps", [("notice", "deleted"), ("name", name)]))
    }
}
