import HTTPTypes
import Foundation
import Hummingbird
import JunctionCore
import JunctionRuntime

/// `/console/credentials`: credentials with their kinds and masked hints, the create form (the
/// kind's fields, where the credential may be sent), rotation and deletion. Secret values go in
/// and are never shown again.
struct CredentialPages: Sendable {
    let api: ConsoleAPI

    func register(on routes: ConsoleRoutes) {
        routes.get("console/credentials", section: .credentials) { caller in try await list(caller) }
        routes.get("console/credentials/new", section: .credentials) { caller in try await newForm(caller) }
        routes.post("console/credentials/new", section: .credentials, create)
        routes.get("console/credentials/{name}/rotate", section: .credentials) { caller in try await rotateForm(caller) }
        routes.post("console/credentials/{name}/rotate", section: .credentials, rotate)
        routes.post("console/credentials/{name}/delete", section: .credentials, delete)
        routes.post("console/credentials/{name}/connect", section: .credentials, connect)
    }

    /// Each kind's fields, as the API's `FieldSpec` JSON.
    static let kinds: [(kind: String, fields: [JSONValue])] = CredentialKind.allCases.map { kind in
        (kind.rawValue, ((try? JSONCoding.encode(kind.fields)).flatMap { try? JSONCoding.decode($0) as JSONValue })?.arrayValue ?? [])
    }

    func list(_ caller: ConsoleCaller, notice: String? = nil, problem: ConsoleAPI.Problem? = nil) async throws -> Response {
        let credentials = try await api.get("/api/v1/credentials", as: caller)["credentials"]?.arrayValue ?? []
        let rows = credentials.map { credential -> [HTML] in
            let name = credential["name"]?.stringValue ?? ""
            let kind = credential["kind"]?.stringValue ?? ""
            let secretNames = Self.kinds.first { $0.kind == kind }?.fields.filter { $0["secret"]?.boolValue == true }.compactMap { $0["name"]?.stringValue } ?? []
            let hints = secretNames.compactMap { field -> HTML? in
                guard let hint = credential[field] else { return nil }
                return "<div><span class=\"muted\">\(field)</span> <code>\(hint.stringValue ?? "••••")</code></div>"
            }
            let bound = [credential["allowed_hosts"], credential["allowed_connectors"]].compactMap { $0?.arrayValue?.compactMap(\.stringValue) }
            let isOAuth = kind == CredentialKind.oauth2.rawValue
            let secrets: HTML = isOAuth ? Self.connection(credential) : "\(hints)"
            let change: HTML = isOAuth
                ? ConsolePage.form("/console/credentials/\(name)/connect", caller: caller, "<button type=\"submit\" class=\"primary\">\(credential["status"] == "connected" ? "Reconnect" : "Connect")</button>")
                : "<a class=\"button\" href=\"/console/credentials/\(name)/rotate\">Rotate</a>"
            return [
                "<strong>\(name)</strong>", "\(kind)", secrets,
                bound.isEmpty ? "<span class=\"muted\">anywhere</span>" : "\(bound.flatMap { $0 }.joined(separator: ", "))",
                ConsoleUI.time(credential["updated_at"]?.stringValue),
                """
                <div class="actions">\(change)
                \(ConsolePage.form("/console/credentials/\(name)/delete", caller: caller, confirm: "Delete credential \(name)?", "<button type=\"submit\">Delete</button>"))</div>
                """,
            ]
        }
        return ConsolePage.make("Credentials", section: .credentials, caller: caller, status: problem?.status ?? .ok, """
            <div class="heading"><h1>Credentials</h1><div class="actions"><a class="button" href="/console/oauth-apps">OAuth apps</a><a class="button primary" href="/console/credentials/new">Add credential</a></div></div>
            \(ConsoleUI.notice(notice ?? Self.notice(caller)))
            \(ConsoleUI.problem(problem))
            <p class="muted">Secrets are encrypted at rest and shown only as masked hints.</p>
            \(ConsoleUI.table(["Name", "Kind", "Secrets", "May be sent to", "Changed", ""], rows, empty: "No credentials yet."))
            """)
    }

    /// An `oauth2` credential's state: its app, status, expiry and why it needs connecting again.
    private static func connection(_ credential: JSONValue) -> HTML {
        let status = credential["status"]?.stringValue
        var lines: [HTML] = ["<div>\(ConsoleUI.badge(status == "needs_reauth" ? "invalid" : status)) <span class=\"muted\">app</span> <code>\(credential["app"]?.stringValue ?? "")</code></div>"]
        if status == "needs_reauth" { lines.append("<div class=\"muted\">Needs re-authorization: \(credential["last_error"]?.stringValue ?? "")</div>") }
        if let expires = credential["expires_at"]?.stringValue { lines.append("<div><span class=\"muted\">token until</span> \(ConsoleUI.time(expires))</div>") }
        return "\(lines)"
    }

    /// Starts connecting an `oauth2` credential: a page leading to the provider (a link, since
    /// the console's forms may only lead to the console itself).
    @Sendable func connect(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        do {
            let started = try await api.json(.post, "/api/v1/credentials/\(ConsoleAPI.segment(name))/connect", body: nil, as: caller)
            let url = started["authorization_url"]?.stringValue ?? ""
            let host = URLComponents(string: url)?.host ?? url
            return ConsolePage.make("Connect \(name)", section: .credentials, caller: caller, """
                <h1>Connect credential \(name)</h1>
                <p>Authorize Junction at <strong>\(host)</strong>. The provider sends you back to <code>\(started["redirect_uri"]?.stringValue ?? "")</code>,
                which must be registered with the OAuth app; the link works once, for ten minutes.</p>
                <div class="actions"><a class="button primary" id="authorize" href="\(url)" rel="noreferrer">Continue to \(host)</a>
                <a class="button" href="/console/credentials">Cancel</a></div>
                """)
        } catch let problem as ConsoleAPI.Problem {
            return try await list(caller, problem: problem)
        }
    }

    private static func notice(_ caller: ConsoleCaller) -> String? {
        let query = caller.request.uri.queryParameters
        let name = query["name"].map(String.init) ?? ""
        switch query["notice"] {
        case "created": return "Credential \(name) stored."
        case "rotated": return "Credential \(name) rotated: connectors use the new values from their next call."
        case "deleted": return "Credential \(name) deleted."
        default: return nil
        }
    }

    func newForm(_ caller: ConsoleCaller, entered: ConsoleForm? = nil, problem: ConsoleAPI.Problem? = nil) async throws -> Response {
        let kind = entered?["kind"] ?? caller.request.uri.queryParameters["kind"].map(String.init) ?? "bearer"
        let fieldsets = Self.kinds.map { entry -> HTML in
            let controls = entry.fields.map { field -> HTML in
                let spec = SpecField(field)
                let key = "\(entry.kind).\(spec.name)"
                return spec.control(
                    key: key, current: nil, entered: entered.map { $0[key] ?? "" }, creating: true,
                    error: entry.kind == kind && problem?.field == spec.name ? problem?.message : nil)
            }
            return "<fieldset data-when-kind=\"\(entry.kind)\"><legend>\(entry.kind) fields</legend>\(controls)</fieldset>"
        }
        let text = { (name: String) in entered?[name] ?? "" }
        return ConsolePage.make("Add credential", section: .credentials, caller: caller, status: problem?.status ?? .ok, """
            <h1>Add credential</h1>
            \(ConsoleUI.problem(problem))
            \(ConsolePage.form("/console/credentials/new", caller: caller, class: "stack", """
                \(ConsoleUI.field("Name", for: "name", hint: "How connectors name it.", error: problem?.field == "name" ? problem?.message : nil,
                    "<input type=\"text\" id=\"name\" name=\"name\" required pattern=\"[a-z0-9][a-z0-9-]*\" value=\"\(text("name"))\">"))
                \(ConsoleUI.field("Kind", for: "kind", hint: "How it authenticates requests.",
                    "<select id=\"kind\" name=\"kind\" data-shows=\"kind\">\(ConsoleUI.options(Self.kinds.map(\.kind), selected: kind))</select>"))
                \(fieldsets)
                <fieldset><legend>Where it may be sent</legend>
                \(ConsoleUI.field("Allowed hosts", for: "allowed_hosts", hint: "Comma separated host names or patterns (*.example.com); blank: anywhere.",
                    error: problem?.field?.hasPrefix("allowed_hosts") == true ? problem?.message : nil,
                    "<input type=\"text\" id=\"allowed_hosts\" name=\"allowed_hosts\" value=\"\(text("allowed_hosts"))\">"))
                \(ConsoleUI.field("Allowed connectors", for: "allowed_connectors", hint: "Comma separated connector names or patterns; blank: any.",
                    error: problem?.field?.hasPrefix("allowed_connectors") == true ? problem?.message : nil,
                    "<input type=\"text\" id=\"allowed_connectors\" name=\"allowed_connectors\" value=\"\(text("allowed_connectors"))\">"))
                \(ConsoleUI.field("Template", for: "template", hint: "Or bind it to a template's host (e.g. slack).",
                    error: problem?.field == "template" ? problem?.message : nil,
                    "<input type=\"text\" id=\"template\" name=\"template\" value=\"\(text("template"))\">"))
                </fieldset>
                <div class="actions"><button type="submit" class="primary">Store credential</button><a class="button" href="/console/credentials">Cancel</a></div>
                """))
            """)
    }

    @Sendable func create(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        do {
            var body = try Self.fields(of: form["kind"] ?? "", form: form)
            body["name"] = form.trimmed("name").map(JSONValue.string)
            body["kind"] = form["kind"].map(JSONValue.string)
            for list in ["allowed_hosts", "allowed_connectors"] {
                if let text = form.trimmed(list) {
                    body[list] = .array(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
                }
            }
            body["template"] = form.trimmed("template").map(JSONValue.string)
            let created = try await api.json(.post, "/api/v1/credentials", body: .object(body), as: caller)
            return ConsolePage.redirect(ConsoleUI.link("/console/credentials", [("notice", "created"), ("name", created["name"]?.stringValue)]))
        } catch let problem as ConsoleAPI.Problem {
            return try await newForm(caller, entered: form, problem: problem)
        }
    }

    /// The fields of `kind` the form filled in, named as the API names them.
    private static func fields(of kind: String, form: ConsoleForm) throws -> [String: JSONValue] {
        var body: [String: JSONValue] = [:]
        for field in kinds.first(where: { $0.kind == kind })?.fields ?? [] {
            let spec = SpecField(field)
            guard let text = form["\(kind).\(spec.name)"], !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
            body[spec.name] = try spec.value(of: text, path: spec.name)
        }
        return body
    }

    func rotateForm(_ caller: ConsoleCaller, problem: ConsoleAPI.Problem? = nil) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        let credential = try await api.get("/api/v1/credentials/\(ConsoleAPI.segment(name))", as: caller)
        let kind = credential["kind"]?.stringValue ?? ""
        let controls = (Self.kinds.first { $0.kind == kind }?.fields ?? []).map { field -> HTML in
            let spec = SpecField(field)
            // Public fields start from their values; secrets must be given again.
            return spec.control(
                key: "\(kind).\(spec.name)", current: spec.isSecret ? nil : credential[spec.name], entered: nil, creating: true,
                error: problem?.field == spec.name ? problem?.message : nil)
        }
        return ConsolePage.make("Rotate \(name)", section: .credentials, caller: caller, status: problem?.status ?? .ok, """
            <h1>Rotate \(name)</h1>
            <p class="muted">A \(kind) credential. Enter its new values; connectors using it switch to them on their next call.</p>
            \(ConsoleUI.problem(problem))
            \(ConsolePage.form("/console/credentials/\(name)/rotate", caller: caller, class: "stack", """
                \(controls)
                <div class="actions"><button type="submit" class="primary">Rotate</button><a class="button" href="/console/credentials">Cancel</a></div>
                """))
            """)
    }

    @Sendable func rotate(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        let path = "/api/v1/credentials/\(ConsoleAPI.segment(name))"
        let kind = try await api.get(path, as: caller)["kind"]?.stringValue ?? ""
        do {
            try await api.json(.post, path + "/rotate", body: .object(try Self.fields(of: kind, form: form)), as: caller)
            return ConsolePage.redirect(ConsoleUI.link("/console/credentials", [("notice", "rotated"), ("name", name)]))
        } catch let problem as ConsoleAPI.Problem where problem.status == .badRequest {
            return try await rotateForm(caller, problem: problem)
        }
    }

    @Sendable func delete(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let name = try caller.context.parameters.require("name")
        let answer = try await api.send(.delete, "/api/v1/credentials/\(ConsoleAPI.segment(name))", as: caller)
        guard answer.succeeded else {
            var problem = ConsoleAPI.Problem(answer)
            if let users = problem.details?["connectors"]?.arrayValue?.compactMap(\.stringValue), !users.isEmpty {
                problem.message += " Used by: \(users.joined(separator: ", "))."
            }
            return try await list(caller, problem: problem)
        }
        return ConsolePage.redirect(ConsoleUI.link("/console/credentials", [("notice", "deleted"), ("name", name)]))
    }
}
