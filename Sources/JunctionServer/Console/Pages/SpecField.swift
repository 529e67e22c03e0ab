import HTTPTypes
import Foundation
import JunctionCore
import JunctionRuntime

/// One field of a spec (a connector type's option, a credential kind's field; `FieldSpec` as
/// JSON) as a form control, and the control's text back as the field's JSON value.
struct SpecField: Sendable {
    let field: JSONValue

    init(_ field: JSONValue) { self.field = field }

    var name: String { field["name"]?.stringValue ?? "" }
    var type: String { field["type"]?.stringValue ?? "string" }
    var isSecret: Bool { field["secret"]?.boolValue == true }

    /// The labelled control for the form field `key`: `current` is the stored value (a masked
    /// hint for a secret, never shown in the control), `entered` what was typed when the form
    /// comes back with a problem; `creating` makes required fields required.
    func control(key: String, current: JSONValue?, entered: String?, creating: Bool, error: String?) -> HTML {
        let id = key.replacingOccurrences(of: ".", with: "-")
        let required = field["required"]?.boolValue == true && field["default"] == nil && field["generated"]?.boolValue != true
        let shown: String = isSecret ? "" : entered ?? current.map { Self.display($0, type: type) } ?? ""
        var hint = field["description"]?.stringValue ?? ""
        if let fallback = field["default"], !(fallback.arrayValue?.isEmpty ?? false), !(fallback.objectValue?.isEmpty ?? false) {
            hint += " Default: \(Self.display(fallback, type: type))."
        }
        if field["generated"]?.boolValue == true { hint += " Generated when left blank, and shown once." }
        if isSecret, let mask = current?.stringValue ?? current.map({ _ in "••••" }) { hint += " Stored: \(mask) — leave blank to keep it." }
        let label = name + (required ? " (required)" : "")
        let control: HTML
        switch type {
        case _ where isSecret && type == "headers":
            hint = "One 'Name: value' per line. " + hint
            control = "<textarea id=\"\(id)\" name=\"\(key)\" rows=\"3\" autocomplete=\"off\" spellcheck=\"false\"\(HTML.flag("required", required && creating))></textarea>"
        case _ where isSecret:
            control = "<input type=\"password\" id=\"\(id)\" name=\"\(key)\" autocomplete=\"new-password\"\(HTML.flag("required", required && creating))>"
        case "string" where field["enum"] != nil:
            let values = field["enum"]?.arrayValue?.compactMap(\.stringValue) ?? []
            control = "<select id=\"\(id)\" name=\"\(key)\">\(ConsoleUI.options(values, selected: shown.isEmpty ? nil : shown, blank: "Default"))</select>"
        case "boolean":
            control = "<select id=\"\(id)\" name=\"\(key)\">\(ConsoleUI.options(["true", "false"], selected: shown.isEmpty ? nil : shown, blank: "Default"))</select>"
        case "integer", "number":
            let minimum: HTML = field["minimum"]?.intValue.map { " min=\"\($0)\"" } ?? .empty
            let maximum: HTML = field["maximum"]?.intValue.map { " max=\"\($0)\"" } ?? .empty
            control = "<input type=\"number\" id=\"\(id)\" name=\"\(key)\"\(minimum)\(maximum)\(HTML.flag("required", required)) value=\"\(shown)\" step=\"\(type == "integer" ? "1" : "any")\">"
        case "string_map", "headers", "string_array":
            hint = (type == "string_array" ? "One per line. " : type == "headers" ? "One 'Name: value' per line. " : "One 'name=value' per line. ") + hint
            control = "<textarea id=\"\(id)\" name=\"\(key)\" rows=\"3\"\(HTML.flag("required", required && creating))>\(shown)</textarea>"
        case "object", "object_array":
            hint = "JSON. " + hint
            let example = field["example"].map(\.prettyText) ?? ""
            control = "<textarea class=\"code\" id=\"\(id)\" name=\"\(key)\" rows=\"8\" placeholder=\"\(example)\" spellcheck=\"false\">\(shown)</textarea>"
        default:
            control = "<input type=\"text\" id=\"\(id)\" name=\"\(key)\"\(HTML.flag("required", required && creating)) value=\"\(shown)\" placeholder=\"\(field["example"]?.stringValue)\">"
        }
        return ConsoleUI.field(label, for: id, hint: hint.trimmingCharacters(in: .whitespaces), error: error, control)
    }

    /// The JSON value of the control's text: malformed JSON and map lines are refused here
    /// (naming `path`), anything else is left for the API to judge.
    func value(of text: String, path: String) throws -> JSONValue {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch type {
        case "integer": return Int(trimmed).map(JSONValue.integer) ?? .string(trimmed)
        case "number": return Double(trimmed).map(JSONValue.number) ?? .string(trimmed)
        case "boolean": return trimmed == "true" ? true : trimmed == "false" ? false : .string(trimmed)
        case "string_array": return .array(Self.lines(trimmed).map(JSONValue.string))
        case "string_map", "headers":
            let separator: Character = type == "headers" ? ":" : "="
            var members: [String: JSONValue] = [:]
            for (number, line) in Self.lines(trimmed).enumerated() {
                guard let cut = line.firstIndex(of: separator) else {
                    throw ConsoleAPI.Problem(
                        status: .badRequest, code: "invalid_input", message: "Line \(number + 1) needs 'name\(separator) value'.", field: path)
                }
                members[line[..<cut].trimmingCharacters(in: .whitespaces)] = .string(line[line.index(after: cut)...].trimmingCharacters(in: .whitespaces))
            }
            return .object(members)
        case "object", "object_array":
            do {
                return try JSONCoding.decode(Array(trimmed.utf8))
            } catch {
                throw ConsoleAPI.Problem(status: .badRequest, code: "invalid_input", message: "This is not valid JSON.", field: path)
            }
        default: return .string(text)
        }
    }

    private static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A value as a control shows it.
    static func display(_ value: JSONValue, type: String) -> String {
        switch (type, value) {
        case (_, .string(let text)): return text
        case (_, .null): return ""
        case ("string_array", .array(let items)): return items.compactMap(\.stringValue).joined(separator: "\n")
        case ("headers", .object(let members)), ("string_map", .object(let members)):
            let separator = type == "headers" ? ": " : "="
            return members.sorted { $0.key < $1.key }.map { "\($0.key)\(separator)\($0.value.stringValue ?? $0.value.jsonText)" }.joined(separator: "\n")
        case (_, .array), (_, .object): return value.prettyText
        default: return value.jsonText
        }
    }
}
