import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime

/// `/console/tools`: every tool the key may call, with its JSON Schema, and a "try it" form
/// that invokes it (live, or from its mock) and shows the envelope.
struct ToolPages: Sendable {
    let api: ConsoleAPI

    func register(on routes: ConsoleRoutes) {
        routes.get("console/tools", section: .tools, list)
        routes.get("console/tools/{connector}/{resource}", section: .tools) { caller in try await tryIt(caller) }
        routes.post("console/tools/{connector}/{resource}", section: .tools, invoke)
    }

    @Sendable func list(_ caller: ConsoleCaller) async throws -> Response {
        let query = caller.request.uri.queryParameters
        let filters: [(String, String?)] = [("q", query["q"].map(String.init)), ("connector", query["connector"].map(String.init)),
                                            ("kind", query["kind"].map(String.init))]
        let given = filters.compactMap { name, value in value.flatMap { $0.isEmpty ? nil : (name, $0) } }
        let answer = try await api.get("/api/v1/tools", query: given + [("limit", "500")], as: caller)
        let rows = (answer["tools"]?.arrayValue ?? []).map { tool -> [HTML] in
            let connector = tool["connector"]?.stringValue ?? ""
            let resource = tool["resource"]?.stringValue ?? ""
            return [
                "<a href=\"/console/tools/\(connector)/\(resource)\"><code>\(tool["name"]?.stringValue ?? "")</code></a>",
                ConsoleUI.badge(tool["kind"]?.stringValue), "\(tool["description"]?.stringValue ?? "")",
            ]
        }
        let warnings = (answer["warnings"]?.arrayValue ?? []).compactMap(\.stringValue).map { "<div class=\"warning\">\($0)</div>" as HTML }
        return ConsolePage.make("Tools", section: .tools, caller: caller, """
            <h1>Tools</h1>
            <p class="muted">Every resource is a tool with a JSON Schema, served over MCP at <code>/mcp</code> and as function
            definitions at <code>/api/v1/tools?format=openai|anthropic|gemini</code>.</p>
            <form method="get" action="/console/tools" class="inline" role="search">
              <label>Task or name<input type="search" name="q" value="\(query["q"].map(String.init))"></label>
              <label>Connector<input type="text" name="connector" value="\(query["connector"].map(String.init))"></label>
              <label>Kind<select name="kind">\(ConsoleUI.options(["read", "write"], selected: query["kind"].map(String.init), blank: "Any"))</select></label>
              <button type="submit">Find</button>
            </form>
            \(warnings)
            \(ConsoleUI.table(["Tool", "Kind", "Description"], rows, empty: "No tools match."))
            """)
    }

    func tryIt(_ caller: ConsoleCaller, data: String? = nil, mock: Bool = false, result: ConsoleAPI.Answer? = nil) async throws -> Response {
        let connector = try caller.context.parameters.require("connector")
        let slug = try caller.context.parameters.require("resource")
        let resources = try await api.get("/api/v1/connectors/\(ConsoleAPI.segment(connector))/resources", as: caller)
        guard let resource = resources["resources"]?.arrayValue?.first(where: { $0["slug"]?.stringValue == slug }) else {
            throw ConsoleAPI.Problem(status: .notFound, code: "not_found", message: "Connector \(connector) has no resource '\(slug)'.")
        }
        let schema = resource["input_schema"] ?? ["type": "object"]
        let hasMock = resource["has_mock"]?.boolValue == true
        let initial = data ?? SchemaExample.value(for: schema).prettyText
        let resultHTML: HTML = result.map(Self.envelope) ?? .empty
        return ConsolePage.make("\(connector) · \(slug)", section: .tools, caller: caller, """
            <h1><code>\(connector)__\(slug)</code></h1>
            <p>\(resource["description"]?.stringValue ?? "")</p>
            \(ConsoleUI.facts([
                ("Connector", caller.may(.operator) ? "<a href=\"/console/connectors/\(connector)\">\(connector)</a>" : "\(connector)"),
                ("Kind", ConsoleUI.badge(resource["kind"]?.stringValue)),
                ("Request", "<code>\(resource["method"]?.stringValue ?? "") \(resource["path"]?.stringValue ?? "")</code>"),
            ]))
            <h2>Try it</h2>
            \(ConsolePage.form("/console/tools/\(connector)/\(slug)", caller: caller, class: "stack", """
                \(ConsoleUI.field("Input (JSON)", for: "data", hint: "Checked against the input schema below before anything is sent.",
                    "<textarea class=\"code\" id=\"data\" name=\"data\" rows=\"10\" spellcheck=\"false\">\(initial)</textarea>"))
                \(HTML.when(hasMock, "<label><input type=\"checkbox\" name=\"mock\" value=\"true\"\(HTML.flag("checked", mock))> Answer from the resource's mock (no network call)</label>"))
                <div class="actions"><button type="submit" class="primary">Invoke</button></div>
                """))
            \(resultHTML)
            <h2>Input schema</h2>
            \(ConsoleUI.json(schema))
            \(HTML.when(resource["output_schema"] != nil && resource["output_schema"] != .null, "<h2>Output schema</h2>\(ConsoleUI.json(resource["output_schema"]))"))
            """)
    }

    @Sendable func invoke(_ caller: ConsoleCaller, _ form: ConsoleForm) async throws -> Response {
        let connector = try caller.context.parameters.require("connector")
        let slug = try caller.context.parameters.require("resource")
        let text = form["data"] ?? "{}"
        let mock = form["mock"] == "true"
        guard let data = try? JSONCoding.decode(Array(text.utf8)) as JSONValue else {
            let problem = ConsoleAPI.Answer(
                status: .badRequest, headers: [:], body: .init(),
                json: ["success": false, "error": ["code": "invalid_input", "message": "The input is not valid JSON.", "field": "data"]])
            return try await tryIt(caller, data: text, mock: mock, result: problem)
        }
        var body: [String: JSONValue] = ["data": data]
        if mock { body["options"] = ["mock": true] }
        let answer = try await api.send(
            .post, "/api/v1/connectors/\(ConsoleAPI.segment(connector))/resources/\(ConsoleAPI.segment(slug))/invoke",
            body: .init(bytes: JSONValue.object(body).jsonBytes), contentType: "application/json", as: caller)
        return try await tryIt(caller, data: text, mock: mock, result: answer)
    }

    /// An invoke answer: its outcome, the envelope's metadata, its data or error.
    static func envelope(_ answer: ConsoleAPI.Answer) -> HTML {
        let envelope = answer.json
        let ok = envelope["success"]?.boolValue == true
        let metadata = envelope["metadata"]
        let error = envelope["error"] ?? envelope["error"]
        let approval: HTML = error?["details"]?["url"]?.stringValue.map { url in
            " <a href=\"/console/approvals/\(error?["details"]?["approval_id"]?.stringValue ?? "")\">Review the approval</a> (or share <code>\(url)</code>)."
        } ?? .empty
        return """
            <section id="result" aria-live="polite">
            <h2>Result</h2>
            <div class="\(ok ? "notice" : "problem")"><strong>\(ok ? "Succeeded" : error?["message"]?.stringValue ?? "Failed")</strong>
            \(HTML.when(!ok, " <span class=\"code small\">\(error?["code"]?.stringValue ?? "")</span>"))\(approval)
            <div class="small">HTTP \(Int(answer.status.code))\(HTML.when(metadata?["status"]?.intValue != nil, " · upstream \(metadata?["status"]?.intValue ?? 0)"))
            · \(ConsoleUI.duration(metadata?["duration_ms"]?.intValue)) · attempts \(metadata?["attempts"]?.intValue ?? 0)\(HTML.when(metadata?["mock"]?.boolValue == true, " · mock"))</div></div>
            \(ConsoleUI.json(ok ? envelope["data"] : envelope))
            </section>
            """
    }
}

/// A value that fits a JSON Schema, for prefilling forms: each property's `example`, `default`,
/// first `enum` value or const, else a placeholder of its type; required properties only, when
/// an object has some.
enum SchemaExample {
    static func value(for schema: JSONValue, depth: Int = 0) -> JSONValue {
        guard depth < 6 else { return .null }
        if let example = schema["example"] ?? schema["examples"]?.arrayValue?.first { return example }
        if let fallback = schema["default"] { return fallback }
        if let constant = schema["const"] { return constant }
        if let first = schema["enum"]?.arrayValue?.first { return first }
        if let first = (schema["oneOf"] ?? schema["anyOf"])?.arrayValue?.first { return value(for: first, depth: depth + 1) }
        let type = schema["type"]?.stringValue ?? schema["type"]?.arrayValue?.first(where: { $0 != "null" })?.stringValue
            ?? (schema["properties"] != nil ? "object" : "string")
        switch type {
        case "object":
            let properties = schema["properties"]?.objectValue ?? [:]
            let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let chosen = required.isEmpty ? properties : properties.filter { required.contains($0.key) }
            return .object(chosen.mapValues { value(for: $0, depth: depth + 1) })
        case "array": return .array(schema["items"].map { [value(for: $0, depth: depth + 1)] } ?? [])
        case "integer": return .integer(schema["minimum"]?.intValue ?? 0)
        case "number": return .number(schema["minimum"]?.doubleValue ?? 0)
        case "boolean": return false
        case "null": return .null
        default: return .string(schema["format"]?.stringValue.map { "<\($0)>" } ?? "")
        }
    }
}
