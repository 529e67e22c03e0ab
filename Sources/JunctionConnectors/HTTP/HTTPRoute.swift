import Foundation
import JunctionCore
import NIOHTTP1

/// How one `http` resource becomes a request: its method, path template, fixed headers and
/// query, and where each input field goes. Built once per resource when the connector is built.
struct HTTPRoute: Sendable {
    /// Where an input field is sent.
    enum Location: String, Sendable {
        case path, query, header, body
        /// The field's value is the whole request body.
        case requestBody = "request-body"
    }

    let method: HTTPMethod
    let path: PathTemplate
    let headers: [(String, String)]
    let query: [(String, String)]
    /// Explicit placements from the input schema's `x-in` annotations.
    let placements: [String: Location]
    /// How the body is sent (`body_encoding`).
    let bodyEncoding: HTTPBodyEncoding
    /// Body fields sent as files (`x-file`) or with arrays in brackets (`x-style: deepObject`).
    let bodyStyles: [String: HTTPBodyEncoding.FieldStyle]
    /// Header fields with a `default` or a single `enum` value, sent when the input leaves them out.
    let headerDefaults: [(String, String)]
    /// Body fields sent under another name than their input's (`x-name`).
    let wireNames: [String: String]
    /// Body fields with one possible value (`const`, or an `enum` of one) that is also their
    /// `default`, sent when the flat input leaves them out (WhatsApp's `"messaging_product": "whatsapp"`).
    let bodyConstants: [(String, JSONValue)]
    /// The resource's input schema, to tell structured input from flat fields.
    let inputSchema: JSONValue

    init(_ resource: Resource, field: String) throws(JunctionError) {
        let methodText = resource.binding["method"]?.stringValue ?? "GET"
        method = HTTPMethod(rawValue: methodText)
        path = try PathTemplate(resource.binding["path"]?.stringValue ?? "", field: "\(field).path")
        headers = (resource.binding["headers"]?.objectValue ?? [:]).compactMap { key, value in
            value.stringValue.map { (key, $0) }
        }.sorted { $0.0 < $1.0 }
        query = (resource.binding["query"]?.objectValue ?? [:]).compactMap { key, value in
            value.stringValue.map { (key, $0) }
        }.sorted { $0.0 < $1.0 }
        let encodingText = resource.binding["body_encoding"]?.stringValue ?? HTTPBodyEncoding.json.rawValue
        guard let bodyEncoding = HTTPBodyEncoding(rawValue: encodingText) else {
            throw .invalidInput("Must be json, form or multipart.", field: "\(field).body_encoding")
        }
        self.bodyEncoding = bodyEncoding
        var placements: [String: Location] = [:]
        var styles: [String: HTTPBodyEncoding.FieldStyle] = [:]
        var headerDefaults: [(String, String)] = []
        var wireNames: [String: String] = [:]
        var bodyConstants: [(String, JSONValue)] = []
        for (name, property) in (resource.inputSchema["properties"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let location = property["x-in"]?.stringValue.flatMap(Location.init(rawValue:))
            if let location { placements[name] = location }
            let style = HTTPBodyEncoding.FieldStyle(
                isFile: property["x-file"]?.boolValue == true, deepObject: property["x-style"]?.stringValue == "deepObject")
            if style != HTTPBodyEncoding.FieldStyle() { styles[name] = style }
            if let wireName = property["x-name"]?.stringValue { wireNames[name] = wireName }
            if location == .header, let fixed = property["default"] ?? property["enum"]?.arrayValue.flatMap({ $0.count == 1 ? $0[0] : nil }),
               !fixed.isNull
            {
                headerDefaults.append((name, Self.text(fixed)))
            }
            // Only a value that is the field's one possible value and its default too: sending it
            // unasked changes nothing the API would not assume (an optional `enum: ["archive"]`
            // on a PATCH is not sent).
            if location == nil || location == .body, property["readOnly"] != true,
               let fixed = property["const"] ?? property["enum"]?.arrayValue.flatMap({ $0.count == 1 ? $0[0] : nil }),
               !fixed.isNull, property["default"].map({ JSONComparison.equal($0, fixed) }) == true
            {
                bodyConstants.append((name, fixed))
            }
        }
        self.wireNames = wireNames
        var wireStyles: [String: HTTPBodyEncoding.FieldStyle] = [:]
        for (name, style) in styles { wireStyles[wireNames[name] ?? name] = style }
        bodyStyles = wireStyles
        self.headerDefaults = headerDefaults
        for name in path.parameters where placements[name] == nil {
            placements[name] = .path
        }
        self.placements = placements
        let sendsBody = [HTTPMethod.POST, .PUT, .PATCH].contains(method)
        self.bodyConstants = bodyConstants.filter { placements[$0.0] == .body || (placements[$0.0] == nil && sendsBody) }
        self.inputSchema = resource.inputSchema
    }

    /// Whether requests of this method carry a body by default.
    var sendsBody: Bool {
        switch method {
        case .POST, .PUT, .PATCH: true
        default: false
        }
    }

    /// The parts of a request, from input given either structured (`{path, query, headers,
    /// body}`) or flat (fields placed by `x-in`, path parameters by name, the rest in the body
    /// for POST/PUT/PATCH and in the query otherwise).
    struct Parts {
        var path: [String: String] = [:]
        var query: [(String, String)] = []
        var headers: [(String, String)] = []
        var body: JSONValue?
        /// The field prefix for path errors (`path.` for structured input).
        var pathFieldPrefix = ""
    }

    func parts(from input: JSONValue) throws(JunctionError) -> Parts {
        var parts = Parts()
        guard case .object(let members) = input, !members.isEmpty else {
            if !input.isNull, input.objectValue == nil { parts.body = input }
            return parts
        }
        if StructuredInput.isStructured(input, schema: inputSchema) {
            parts.pathFieldPrefix = "path."
            for (key, value) in members["path"]?.objectValue ?? [:] { parts.path[key] = Self.text(value) }
            for (key, value) in members["query"]?.objectValue ?? [:] { Self.append(key, value, to: &parts.query) }
            for (key, value) in members["headers"]?.objectValue ?? [:] { parts.headers.append((key, Self.text(value))) }
            parts.body = members["body"]
            addHeaderDefaults(to: &parts)
            return parts
        }
        var body: [String: JSONValue] = [:]
        for (key, value) in members.sorted(by: { $0.key < $1.key }) {
            switch placements[key] ?? (sendsBody ? .body : .query) {
            case .path: parts.path[key] = Self.text(value)
            case .query: Self.append(key, value, to: &parts.query)
            case .header: parts.headers.append((key, Self.text(value)))
            case .body: body[wireNames[key] ?? key] = value
            case .requestBody: parts.body = value
            }
        }
        if parts.body == nil {
            for (name, value) in bodyConstants where members[name] == nil { body[wireNames[name] ?? name] = value }
        }
        if !body.isEmpty { parts.body = .object(body) }
        addHeaderDefaults(to: &parts)
        return parts
    }

    /// The header defaults the input did not give.
    private func addHeaderDefaults(to parts: inout Parts) {
        for (name, value) in headerDefaults where !parts.headers.contains(where: { $0.0.caseInsensitiveCompare(name) == .orderedSame }) {
            parts.headers.append((name, value))
        }
    }

    /// The request body for `value`, in the resource's encoding.
    func body(_ value: JSONValue) throws(JunctionError) -> HTTPTransport.Body {
        try bodyEncoding.body(value, styles: bodyStyles)
    }

    /// Arrays become repeated parameters; `null` is left out.
    private static func append(_ key: String, _ value: JSONValue, to query: inout [(String, String)]) {
        switch value {
        case .null: return
        case .array(let items): for item in items where !item.isNull { query.append((key, text(item))) }
        default: query.append((key, text(value)))
        }
    }

    /// Scalars as their plain text; objects and arrays as JSON.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .integer(let number): return String(number)
        case .number(let number): return number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return ""
        case .array, .object: return (try? String(decoding: JSONCoding.encode(value), as: UTF8.self)) ?? ""
        }
    }
}
