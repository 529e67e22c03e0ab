import JunctionCore

/// Converts a Swagger 2.0 document into the OpenAPI 3.0 shape the importer reads: `host`,
/// `basePath` and `schemes` become `servers`; `definitions`, `parameters`, `responses` and
/// `securityDefinitions` move under `components` (references rewritten); `body` and
/// `formData` parameters become a `requestBody` (form fields urlencoded, or multipart when a
/// field is a file or the operation consumes only multipart); response `schema`s become
/// `content` in the operation's `produces` type.
enum SwaggerConversion {
    static func openAPI(from swagger: JSONValue) -> JSONValue {
        var document = swagger.objectValue ?? [:]
        let root = swagger
        document["swagger"] = nil
        document["openapi"] = "3.0.3"
        if let host = swagger["host"]?.stringValue {
            let scheme = swagger["schemes"]?.arrayValue?.compactMap(\.stringValue).sorted().last ?? "https"
            let basePath = swagger["basePath"]?.stringValue ?? ""
            document["servers"] = [["url": .string("\(scheme)://\(host)\(basePath)")]]
        }
        for key in ["host", "basePath", "schemes", "consumes", "produces", "definitions", "parameters", "responses", "securityDefinitions"] {
            document[key] = nil
        }
        var components: [String: JSONValue] = [:]
        if let definitions = swagger["definitions"] { components["schemas"] = rewritingReferences(definitions) }
        if let parameters = swagger["parameters"]?.objectValue {
            // Body and form parameters have no OpenAPI 3 component: operations inline them.
            components["parameters"] = .object(parameters.filter { !isBodyOrForm($0.value) }.mapValues(parameter))
        }
        if let responses = swagger["responses"]?.objectValue {
            let produces = mediaTypes(swagger["produces"], default: "application/json")
            components["responses"] = .object(responses.mapValues { response($0, produces: produces) })
        }
        if let schemes = swagger["securityDefinitions"]?.objectValue {
            components["securitySchemes"] = .object(schemes.mapValues(securityScheme))
        }
        document["components"] = .object(components)
        var paths: [String: JSONValue] = [:]
        for (path, item) in swagger["paths"]?.objectValue ?? [:] {
            paths[path] = pathItem(item, root: root)
        }
        document["paths"] = .object(paths)
        return .object(document)
    }

    private static let methods = ["get", "put", "post", "delete", "options", "head", "patch"]

    private static func pathItem(_ item: JSONValue, root: JSONValue) -> JSONValue {
        guard case .object(var members) = item else { return item }
        let shared = members["parameters"]?.arrayValue ?? []
        members["parameters"] = .array(shared.map { resolved($0, root: root) }.filter { !isBodyOrForm($0) }.map(parameter))
        for method in methods {
            guard let operation = members[method]?.objectValue else { continue }
            members[method] = self.operation(operation, sharedParameters: shared, root: root)
        }
        return .object(members)
    }

    private static func operation(_ source: [String: JSONValue], sharedParameters: [JSONValue], root: JSONValue) -> JSONValue {
        var operation = source
        let consumes = mediaTypes(source["consumes"] ?? root["consumes"], default: "application/json")
        let produces = mediaTypes(source["produces"] ?? root["produces"], default: "application/json")
        let all = (sharedParameters + (source["parameters"]?.arrayValue ?? [])).map { resolved($0, root: root) }
        let own = (source["parameters"]?.arrayValue ?? []).map { resolved($0, root: root) }
        operation["parameters"] = .array(own.filter { !isBodyOrForm($0) }.map(parameter))
        operation["consumes"] = nil
        operation["produces"] = nil
        if let body = all.last(where: { $0["in"]?.stringValue == "body" }) {
            let schema = rewritingReferences(body["schema"] ?? [:])
            let types = consumes.filter { !$0.contains("form") }
            var request: [String: JSONValue] = [
                "content": .object(Dictionary((types.isEmpty ? ["application/json"] : types).map { ($0, ["schema": schema]) },
                                              uniquingKeysWith: { first, _ in first })),
            ]
            if body["required"]?.boolValue == true { request["required"] = true }
            if let description = body["description"] { request["description"] = description }
            operation["requestBody"] = .object(request)
        } else {
            let fields = all.filter { $0["in"]?.stringValue == "formData" }
            if !fields.isEmpty { operation["requestBody"] = formBody(fields, consumes: consumes) }
        }
        if let responses = source["responses"]?.objectValue {
            operation["responses"] = .object(responses.mapValues { response($0, produces: produces) })
        }
        return .object(operation)
    }

    /// Form fields as one object schema, urlencoded unless a field is a file or only
    /// multipart is consumed.
    private static func formBody(_ fields: [JSONValue], consumes: [String]) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        var required: [String] = []
        var hasFile = false
        for field in fields {
            guard let name = field["name"]?.stringValue else { continue }
            var schema = schema(of: field)
            if field["type"]?.stringValue == "file" {
                hasFile = true
                schema = ["type": "string", "format": "binary"]
                if let description = field["description"] { schema = merged(schema, ["description": description]) }
            }
            properties[name] = schema
            if field["required"]?.boolValue == true { required.append(name) }
        }
        let multipart = hasFile || (consumes.contains("multipart/form-data") && !consumes.contains("application/x-www-form-urlencoded"))
        var object: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { object["required"] = .array(required.sorted().map(JSONValue.string)) }
        var request: [String: JSONValue] = [
            "content": [multipart ? "multipart/form-data" : "application/x-www-form-urlencoded": ["schema": .object(object)]],
        ]
        if !required.isEmpty { request["required"] = true }
        return .object(request)
    }

    /// A non-body parameter in OpenAPI 3 form: its type keywords move into `schema`.
    private static func parameter(_ source: JSONValue) -> JSONValue {
        guard case .object(var members) = source, members["$ref"] == nil else { return rewritingReferences(source) }
        let schema = schema(of: source)
        for key in schemaKeys { members[key] = nil }
        members["collectionFormat"] = nil
        members["allowEmptyValue"] = nil
        members["schema"] = schema
        return .object(members)
    }

    /// The keywords of a Swagger 2.0 parameter that describe its value.
    private static let schemaKeys = [
        "type", "format", "items", "default", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "multipleOf",
    ]

    private static func schema(of parameter: JSONValue) -> JSONValue {
        var schema: [String: JSONValue] = [:]
        for key in schemaKeys { if let value = parameter[key] { schema[key] = rewritingReferences(value) } }
        if schema["type"]?.stringValue == "file" { schema["type"] = "string" }
        if let description = parameter["description"] { schema["description"] = description }
        return .object(schema)
    }

    private static func response(_ source: JSONValue, produces: [String]) -> JSONValue {
        guard case .object(var members) = source, members["$ref"] == nil else { return rewritingReferences(source) }
        if let schema = members.removeValue(forKey: "schema") {
            var media: [String: JSONValue] = ["schema": rewritingReferences(schema)]
            if let examples = members["examples"]?.objectValue, let example = examples.sorted(by: { $0.key < $1.key }).first {
                media["example"] = example.value
            }
            let types = produces.isEmpty ? ["application/json"] : produces
            members["content"] = .object(Dictionary(types.map { ($0, .object(media)) }, uniquingKeysWith: { first, _ in first }))
        }
        members["examples"] = nil
        if members["description"] == nil { members["description"] = "" }
        return .object(members)
    }

    private static func securityScheme(_ source: JSONValue) -> JSONValue {
        switch source["type"]?.stringValue {
        case "basic":
            return ["type": "http", "scheme": "basic"]
        case "oauth2":
            var flow: [String: JSONValue] = ["scopes": source["scopes"] ?? [:]]
            if let url = source["authorizationUrl"] { flow["authorizationUrl"] = url }
            if let url = source["tokenUrl"] { flow["tokenUrl"] = url }
            let name = switch source["flow"]?.stringValue {
            case "application": "clientCredentials"
            case "accessCode": "authorizationCode"
            case "password": "password"
            default: "implicit"
            }
            return ["type": "oauth2", "flows": [name: .object(flow)]]
        default:
            return source
        }
    }

    private static func isBodyOrForm(_ parameter: JSONValue) -> Bool {
        ["body", "formData"].contains(parameter["in"]?.stringValue ?? "")
    }

    /// A `#/parameters/…` reference followed to its parameter.
    private static func resolved(_ parameter: JSONValue, root: JSONValue) -> JSONValue {
        guard let reference = parameter["$ref"]?.stringValue, reference.hasPrefix("#/parameters/") else { return parameter }
        return root["parameters"]?[String(reference.dropFirst("#/parameters/".count))] ?? parameter
    }

    private static func mediaTypes(_ value: JSONValue?, default fallback: String) -> [String] {
        let types = value?.arrayValue?.compactMap(\.stringValue) ?? []
        return types.isEmpty ? [fallback] : types
    }

    private static func merged(_ value: JSONValue, _ extra: [String: JSONValue]) -> JSONValue {
        .object((value.objectValue ?? [:]).merging(extra, uniquingKeysWith: { _, new in new }))
    }

    /// `value` with Swagger 2.0 references pointed at their OpenAPI 3 components.
    static func rewritingReferences(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(var members):
            if let reference = members["$ref"]?.stringValue {
                for (old, new) in referencePrefixes where reference.hasPrefix(old) {
                    members["$ref"] = .string(new + reference.dropFirst(old.count))
                    break
                }
            }
            for (key, member) in members where key != "$ref" { members[key] = rewritingReferences(member) }
            return .object(members)
        case .array(let items):
            return .array(items.map(rewritingReferences))
        default:
            return value
        }
    }

    private static let referencePrefixes = [
        ("#/definitions/", "#/components/schemas/"), ("#/parameters/", "#/components/parameters/"),
        ("#/responses/", "#/components/responses/"),
    ]
}
