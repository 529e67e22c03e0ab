import HTTPTypes
import Foundation
import JunctionCore
import JunctionRuntime

/// The create and edit form of a connector, generated from its type's spec
/// (`/api/v1/connector-types/{type}`): the common fields, the connection URL only when the type
/// takes one, a credential of a kind the type accepts, its modes, and one control per option
/// field by the field's type (enums as choices, secrets write-only, maps and lists as lines,
/// objects as JSON), with defaults, ranges and the field the API refused marked.
struct ConnectorForm: Sendable {
    /// The connector type's spec.
    let spec: JSONValue
    /// The connector being edited (`nil` when creating).
    let current: JSONValue?
    /// What the person entered, when the form comes back with a problem.
    let entered: ConsoleForm?
    let problem: ConsoleAPI.Problem?
    /// The tenant's credentials as `(name, kind)`.
    let credentials: [(name: String, kind: String)]
    /// The template the connector is made from, when creating from one.
    let template: String?

    private var fields: [JSONValue] { spec["fields"]?.arrayValue ?? [] }
    private var takesURL: String { spec["connection_url"]?.stringValue ?? "optional" }

    /// The form's controls (the caller wraps them in a `form`).
    var controls: HTML {
        var parts: [HTML] = []
        let isNew = current == nil
        if isNew {
            parts.append(ConsoleUI.field(
                "Name", for: "connector_name", hint: "Lowercase letters, digits and dashes; how agents and calls name it.",
                error: error(for: "connector_name"),
                "<input type=\"text\" id=\"connector_name\" name=\"connector_name\" required pattern=\"[a-z0-9][a-z0-9-]*\" value=\"\(text("connector_name"))\">"))
        }
        parts.append(textField("display_name", label: "Display name", hint: "A human name for this console."))
        parts.append(textField("description", label: "Description", hint: "What this connector is for."))
        if takesURL != "none" {
            let required = takesURL == "required" && template == nil
            parts.append(ConsoleUI.field(
                "Connection URL", for: "connection_url",
                hint: template != nil ? "Leave blank to use the template's base URL." : required ? "Required: the base URL or address." : "Optional.",
                error: error(for: "connection_url"),
                "<input type=\"url\" id=\"connection_url\" name=\"connection_url\"\(HTML.flag("required", required)) value=\"\(text("connection_url"))\">"))
        }
        let modes = spec["modes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !modes.isEmpty && isNew {
            parts.append(ConsoleUI.field(
                "Mode", for: "mode", hint: "inbound: events start runs; sync: the answer waits for the result; outbound: results are sent out.",
                error: error(for: "mode"),
                "<select id=\"mode\" name=\"mode\">\(ConsoleUI.options(modes, selected: entered?["mode"] ?? current?["mode"]?.stringValue ?? modes.first))</select>"))
        }
        let kinds = spec["credential_kinds"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !kinds.isEmpty {
            let usable = credentials.filter { kinds.contains($0.kind) }
            let selected = entered.map { $0["credential"] } ?? current?["credential"]?.stringValue
            let options = usable.map { credential -> HTML in
                "<option value=\"\(credential.name)\"\(HTML.flag("selected", credential.name == selected))>\(credential.name) (\(credential.kind))</option>"
            }
            parts.append(ConsoleUI.field(
                "Credential", for: "credential", hint: "Accepted kinds: \(kinds.joined(separator: ", ")). Make one under Credentials.",
                error: error(for: "credential"),
                "<select id=\"credential\" name=\"credential\"><option value=\"\">— none —</option>\(options)</select>"))
        }
        parts.append(numberField("timeout_ms", label: "Timeout (ms)", placeholder: "30000", minimum: 1, maximum: 600_000))
        parts.append(numberField("max_retries", label: "Retries", placeholder: "3", minimum: 0, maximum: 10))
        if !isNew {
            let enabled = entered.map { $0["enabled"] != "false" } ?? (current?["enabled"]?.boolValue ?? true)
            parts.append(ConsoleUI.field("State", for: "enabled", "<select id=\"enabled\" name=\"enabled\"><option value=\"true\"\(HTML.flag("selected", enabled))>Enabled</option><option value=\"false\"\(HTML.flag("selected", !enabled))>Disabled</option></select>"))
        }
        if !fields.isEmpty {
            parts.append("<fieldset><legend>Options of \(spec["display_name"]?.stringValue ?? "this type")</legend>\(fields.map(option))</fieldset>")
        }
        return HTML(parts)
    }

    /// The API body the submitted `form` stands for: on create every field given, on edit the
    /// fields changed (an emptied option is removed, an empty secret kept as it is).
    static func body(spec: JSONValue, form: ConsoleForm, current: JSONValue?) throws -> JSONValue {
        var body: [String: JSONValue] = [:]
        let isNew = current == nil
        if isNew {
            body["connector_type"] = spec["type"] ?? .null
            for name in ["connector_name", "mode"] { if let value = form.trimmed(name) { body[name] = .string(value) } }
        }
        for name in ["display_name", "description", "connection_url", "credential"] {
            if let value = form.trimmed(name) {
                if current?[name]?.stringValue != value { body[name] = .string(value) }
            } else if !isNew, current?[name].map({ !$0.isNull }) == true {
                body[name] = .null
            }
        }
        for name in ["timeout_ms", "max_retries"] {
            if let value = form.trimmed(name) { body[name] = Int(value).map(JSONValue.integer) ?? .string(value) }
        }
        if !isNew, let enabled = form["enabled"] { body["enabled"] = .bool(enabled == "true") }
        var options: [String: JSONValue] = [:]
        for field in spec["fields"]?.arrayValue ?? [] {
            guard let name = field["name"]?.stringValue else { continue }
            let key = "option.\(name)"
            let had = current?["options"]?[name].map { !$0.isNull } == true
            guard let text = form[key], !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                // An emptied field drops its value; an empty secret keeps the stored one.
                if !isNew, had, field["secret"]?.boolValue != true { options[name] = .null }
                continue
            }
            options[name] = try SpecField(field).value(of: text, path: "options.\(name)")
        }
        if !options.isEmpty { body["options"] = .object(options) }
        return .object(body)
    }

    // MARK: Controls

    private func error(for field: String) -> String? {
        guard let problem, let at = problem.field, at == field || at.hasPrefix(field + ".") || at.hasPrefix(field + "[") else { return nil }
        return problem.message
    }

    /// The text to show in a control: what was entered, else the current value.
    private func text(_ name: String) -> String {
        if let entered { return entered[name] ?? "" }
        return current?[name].map { SpecField.display($0, type: "string") } ?? ""
    }

    private func textField(_ name: String, label: String, hint: String) -> HTML {
        ConsoleUI.field(label, for: name, hint: hint, error: error(for: name),
                        "<input type=\"text\" id=\"\(name)\" name=\"\(name)\" value=\"\(text(name))\">")
    }

    private func numberField(_ name: String, label: String, placeholder: String, minimum: Int, maximum: Int) -> HTML {
        ConsoleUI.field(label, for: name, error: error(for: name),
                        "<input type=\"number\" id=\"\(name)\" name=\"\(name)\" min=\"\(minimum)\" max=\"\(maximum)\" placeholder=\"\(placeholder)\" value=\"\(text(name))\">")
    }

    private func option(_ field: JSONValue) -> HTML {
        let name = field["name"]?.stringValue ?? ""
        return SpecField(field).control(
            key: "option.\(name)", current: current?["options"]?[name], entered: entered.map { $0["option.\(name)"] ?? "" },
            creating: current == nil, error: error(for: "options.\(name)"))
    }
}
